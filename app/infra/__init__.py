"""Infrastructure: the database, Redis (connection, the embedded server, pub/sub), file
storage and the clock. Nothing here knows about tickets."""
