// MOJ Frontend's own markup for a component, rendered from its Nunjucks template with
// Nunjucks, the reference the Jinja ports in templates/components/moj/ are tested against
// (tests/unit/test_moj_components.py). Reads {"macro": "mojTimeline", "component":
// "timeline", "params": {...}} on stdin and writes the HTML to stdout.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const nunjucks = require("nunjucks");
const mojFilters = require("@ministryofjustice/frontend/moj/filters/all.js");

const { macro, component, params } = JSON.parse(readFileSync(0, "utf8"));
const environment = nunjucks.configure(
  [
    require.resolve("@ministryofjustice/frontend/package.json").replace(/package\.json$/, ""),
    require.resolve("govuk-frontend/package.json").replace(/package\.json$/, "dist"),
  ],
  { autoescape: true },
);
for (const [name, filter] of Object.entries(mojFilters())) environment.addFilter(name, filter);
const source = `{% from "moj/components/${component}/macro.njk" import ${macro} %}{{ ${macro}(params) }}`;
process.stdout.write(environment.renderString(source, { params }));
