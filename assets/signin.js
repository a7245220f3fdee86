// The sign-in form index.html carries works before the app has arrived: typing is the
// browser's own, and this keeps a press of Sign in (or Enter) for the app to act on
// (src/ui/login/handover.rs) instead of letting the form submit. A separate file, since
// the Content-Security-Policy allows no inline script; without it the policy's
// form-action 'none' still keeps the form from going anywhere.
{
  const form = document.querySelector('#login-static form');
  form?.addEventListener('submit', (event) => {
    event.preventDefault();
    if ('submitted' in form.dataset) return;
    form.dataset.submitted = '';
    // What the app's form shows while it signs in (src/ui/login/mod.rs).
    form.querySelector('button').setAttribute('aria-busy', 'true');
    const status = document.createElement('p');
    status.setAttribute('role', 'status');
    status.className = 'connecting';
    status.textContent = 'Connecting\u2026';
    form.append(status);
  });
}
