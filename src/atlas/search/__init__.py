"""Global search: one box over the workspace's projects, tasks, customers, invoices,
employees and departments, each found by its own module's search function."""
