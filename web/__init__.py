"""The browser workbench: `bsf serve` over the same library calls the command line uses.

Pages (:mod:`web.pages`) only parse requests, call :mod:`workbench`, :mod:`reports`,
:mod:`registries`, :mod:`upgrade` and :mod:`archive`, and render templates; no rule lives here.
What is the web's own: accounts and sessions (:mod:`web.auth`, over the archive's e-persons in
:mod:`archive.epersons`), CSRF tokens and security headers (:mod:`web.security`), login
throttling (:mod:`web.throttle`), the job table that lets long re-identifications survive a
page reload or a server stop (:mod:`web.jobs`, run by :mod:`web.runner`), and the cached
dashboard summary (:mod:`web.dashboard`). See docs/web.md.
"""
