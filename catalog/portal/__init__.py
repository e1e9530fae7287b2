"""The producer portal under /<coop>/producer/: a producer manages their own profile, products and prices;
fixers and admins may act for any producer of the coop."""
