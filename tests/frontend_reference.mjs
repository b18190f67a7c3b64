// MOJ Frontend's or GOV.UK Frontend's own markup for a component, rendered from its
// Nunjucks template with Nunjucks: the reference the Jinja ports in templates/components/
// are tested against (tests/unit/test_moj_components.py, tests/unit/test_choices.py).
// Reads {"macro": "mojTimeline", "component": "timeline", "params": {...}} (an MOJ
// component) or {"macro": "govukCheckboxes", "template":
// "govuk/components/checkboxes/macro.njk", "params": {...}} on stdin and writes the HTML
// to stdout.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const nunjucks = require("nunjucks");
const mojFilters = require("@ministryofjustice/frontend/moj/filters/all.js");

const { macro, component, template, params } = JSON.parse(readFileSync(0, "utf8"));
const environment = nunjucks.configure(
  [
    require.resolve("@ministryofjustice/frontend/package.json").replace(/package\.json$/, ""),
    require.resolve("govuk-frontend/package.json").replace(/package\.json$/, "dist"),
  ],
  { autoescape: true },
);
for (const [name, filter] of Object.entries(mojFilters())) environment.addFilter(name, filter);
const path = template ?? `moj/components/${component}/macro.njk`;
const source = `{% from "${path}" import ${macro} %}{{ ${macro}(params) }}`;
process.stdout.write(environment.renderString(source, { params }));
