"""What an admin can do to users, and the rules around it, without Qt: the table of
user actions (:mod:`.actions`), the Overview's counts (:mod:`.snapshot`), the
invitation CSV rules (:mod:`.invites`) and the users CSV export (:mod:`.export`)."""
