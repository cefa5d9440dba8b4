"""The ``/scoop`` commands: the table (each command with its handler), the parser, help, and
the handlers of topic, notes and labs commands."""
