"""The application: the `genie` command, the demo province and backups, above the services."""
