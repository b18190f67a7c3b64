// Progressive enhancement only: every page works without these scripts.
// Loaded as modules so they need no inline script (the pages send script-src 'self').
import { initAll } from '/static/govuk/govuk-frontend.min.js'
import './session-timeout.mjs'
import './uploads.mjs'
import { initFilters } from './moj-filter.mjs'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
initFilters() // after the classes above: MOJ's components check for them
