"""Web plumbing shared by every route module: templating, security headers, request helpers."""
