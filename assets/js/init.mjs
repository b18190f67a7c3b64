// Progressive enhancement only: every page works without this script.
// Loaded as a module so it needs no inline script (the pages send script-src 'self').
import { initAll } from '/static/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
