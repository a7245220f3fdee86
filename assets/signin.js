// Keeps a Sign in pressed before the app runs (src/ui/login/handover.rs).
{
  const form = document.querySelector('#login-static form');
  form?.addEventListener('submit', (e) => {
    e.preventDefault();
    if ('submitted' in form.dataset) return;
    form.dataset.submitted = '';
    form.querySelector('button').setAttribute('aria-busy', 'true');
    const p = document.createElement('p');
    p.setAttribute('role', 'status');
    p.className = 'connecting';
    p.textContent = 'Connecting\u2026';
    form.append(p);
  });
}
