"""The consumer-facing webshop (issue 5 item 4): shop front, cart, checkout, a customer's orders."""
