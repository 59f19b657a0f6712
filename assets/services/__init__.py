"""The domain rules of organizations, types, devices, assets and access, one module each.
Routers, pages, admin actions and commands call these and never write models themselves."""
