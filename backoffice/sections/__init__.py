"""The parts of a staff case page, each gathering what it shows.

A section is a function `(case, staff, forms) -> dict` whose dict goes to the page's
template; `forms` holds the forms a view sends back with errors, by name, so a refused
form comes back with what the person typed. Each section has a template of its own in
templates/backoffice/cases/sections/, included by case.html.
"""
