// Progressive enhancement of the file upload page (templates/portal/filing/upload.html):
// a progress bar while a file is sent, and the state of files still being checked for
// viruses kept up to date. Without this script the page works the same, one reload at a time.
const POLL_MS = 2000
const POLL_FOR_MS = 10 * 60 * 1000

function enhance (root) {
  const form = root.querySelector('form[data-caseway-upload]')
  if (!form) return
  sendWithProgress(form)
  followStatus(root)
}

function sendWithProgress (form) {
  const progress = form.querySelector('[data-caseway-upload-progress]')
  const bar = progress && progress.querySelector('progress')
  form.addEventListener('submit', (event) => {
    const button = event.submitter
    const input = form.querySelector('input[type=file]')
    if (!button || button.name !== 'upload' || !input || input.files.length === 0) return
    event.preventDefault()
    const data = new FormData(form, button) // before the button is disabled, or it is left out
    const request = new XMLHttpRequest()
    request.open('POST', form.action || window.location.href)
    request.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100)
    })
    // The answer is the page itself (the list of files, or the error): show it in place.
    request.addEventListener('load', () => replacePage(request.responseText, request.responseURL))
    request.addEventListener('error', () => form.submit())
    progress.hidden = false
    bar.value = 0
    button.disabled = true
    request.send(data)
  })
}

function replacePage (html, url) {
  const next = new DOMParser().parseFromString(html, 'text/html')
  const main = document.querySelector('main')
  const incoming = next.querySelector('main')
  if (!main || !incoming) {
    window.location.assign(url)
    return
  }
  main.replaceWith(incoming)
  document.title = next.title
  if (url) window.history.replaceState(null, '', url)
  const focus = incoming.querySelector('.govuk-error-summary, .govuk-notification-banner')
  if (focus) {
    focus.setAttribute('tabindex', '-1')
    focus.focus()
  }
  enhance(incoming)
}

function followStatus (root) {
  const list = root.querySelector('[data-caseway-upload-status]')
  const announcer = root.querySelector('[data-caseway-upload-announcer]')
  if (!list) return
  const startedAt = Date.now()
  const checking = () => list.querySelectorAll('[data-upload-state="checking"]').length > 0
  const poll = async () => {
    if (!checking() || Date.now() - startedAt > POLL_FOR_MS || !document.contains(list)) return
    try {
      const reply = await fetch(list.dataset.casewayUploadStatus, { credentials: 'same-origin' })
      if (reply.ok) update(list, announcer, (await reply.json()).uploads)
    } catch (error) {
      // Offline for a moment: the next poll tries again.
    }
    window.setTimeout(poll, POLL_MS)
  }
  window.setTimeout(poll, POLL_MS)
}

function update (list, announcer, uploads) {
  const changed = []
  for (const upload of uploads) {
    const row = list.querySelector(`[data-upload-id="${CSS.escape(upload.id)}"]`)
    if (!row || row.dataset.uploadState === upload.code) continue
    row.dataset.uploadState = upload.code
    const tag = row.querySelector('[data-upload-tag] .govuk-tag')
    tag.className = `govuk-tag ${upload.tag_classes}`
    tag.textContent = upload.label
    const reason = row.querySelector('[data-upload-reason]')
    reason.textContent = upload.reason || ''
    reason.hidden = !upload.reason
    const name = row.querySelector('[data-upload-name]')
    if (upload.code === 'ready' && name.tagName !== 'A') {
      const link = document.createElement('a')
      link.className = 'govuk-link'
      link.href = row.dataset.downloadUrl
      link.dataset.uploadName = ''
      link.textContent = name.textContent
      name.replaceWith(link)
    }
    changed.push(`${name.textContent}: ${upload.label}`)
  }
  if (changed.length && announcer) announcer.textContent = changed.join('. ')
}

enhance(document)
