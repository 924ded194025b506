"""User-management panels for members of the admin group."""
