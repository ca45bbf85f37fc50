"""Who is asking: viewers and their clearance and scope, accounts, the audit trail."""
