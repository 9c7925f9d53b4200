"""Tools for third-party plugin authors and users: scaffold, install, uninstall.

Kept apart from the run path: nothing here is imported unless ``agentplat new-plugin``,
``install`` or ``uninstall`` is invoked.
"""
