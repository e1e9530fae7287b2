"""Peppol BIS Billing 3.0: UBL documents (ubl.py), access-point adapters (transport.py), delivery (delivery.py)."""
