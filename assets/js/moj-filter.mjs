// MOJ's filter toggle (its "filter a list" pattern), for the filters drawn by
// templates/components/moj/filter.html: below desktop width MOJ's layout lays the filters
// over the page, so they start hidden behind a "Show filters" / "Hide filters" button in
// the list's action bar, with a close button in their header. The words come translated
// from the page (data-toggle-button.show-text and so on). Without JavaScript the filters
// are a form in the page's flow, above the list.
export async function initFilters () {
  const $filters = document.querySelectorAll('[data-module="moj-filter"]')
  if (!$filters.length) return // most pages: MOJ's script is not even fetched
  const { FilterToggleButton } = await import('/static/moj/filter-toggle-button.mjs')
  for (const $filter of $filters) new FilterToggleButton($filter) // eslint-disable-line no-new
}
