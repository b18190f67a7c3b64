// Opens the timeout warning dialog before the session ends; "Continue" (or Escape)
// extends the session. See templates/components/session_timeout.html.
const dialog = document.getElementById('session-timeout')

if (dialog && typeof dialog.showModal === 'function') {
  const timeoutMs = Number(dialog.dataset.timeoutSeconds) * 1000
  const warningMs = Number(dialog.dataset.warningSeconds) * 1000
  const countdown = dialog.querySelector('[data-countdown]')
  let warnTimer, endTimer, tickTimer, endsAt, returnFocusTo

  // Texts come translated, plural forms included: [under a minute, 1 minute, 2 minutes, ...]
  const texts = JSON.parse(countdown.dataset.texts)
  const describeTimeLeft = () => {
    const secondsLeft = (endsAt - Date.now()) / 1000
    const minutes = secondsLeft < 60 ? 0 : Math.min(texts.length - 1, Math.ceil(secondsLeft / 60))
    countdown.textContent = texts[minutes]
  }

  const warn = () => {
    returnFocusTo = document.activeElement
    describeTimeLeft()
    dialog.showModal()
    dialog.querySelector('#session-timeout-heading').focus()
    tickTimer = setInterval(describeTimeLeft, 15000)
  }

  const schedule = () => {
    clearTimeout(warnTimer); clearTimeout(endTimer); clearInterval(tickTimer)
    endsAt = Date.now() + timeoutMs
    warnTimer = setTimeout(warn, Math.max(0, timeoutMs - warningMs))
    endTimer = setTimeout(() => { window.location.href = dialog.dataset.timedOutUrl }, timeoutMs)
  }

  const extend = async () => {
    const response = await fetch(dialog.dataset.extendUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRFToken': dialog.dataset.csrfToken }
    })
    if (!response.ok) { window.location.href = dialog.dataset.timedOutUrl; return }
    if (dialog.open) dialog.close()
    if (returnFocusTo && returnFocusTo.focus) returnFocusTo.focus()
    schedule()
  }

  dialog.querySelector('[data-extend]').addEventListener('click', extend)
  dialog.addEventListener('cancel', (event) => { event.preventDefault(); extend() })
  schedule()
}
