// The page's own script, run before the app: it keeps a Sign in pressed before the app
// runs, and it shows the crash banner when the app dies.

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

// The crash banner instead of a dead page. A panic aborts the app with a wasm trap (the
// shipped build runs no Rust on a panic: scripts/dist), which reaches the page as a
// WebAssembly.RuntimeError: thrown from an event handler or a task, or rejecting a
// promise. Plain DOM: nothing of the app can be trusted after it. Once per page.
{
  const crashed = (error) => {
    if (!(error instanceof WebAssembly.RuntimeError) || document.querySelector('.crash-banner')) return;
    const banner = document.createElement('div');
    banner.setAttribute('role', 'alert');
    banner.className = 'crash-banner';
    banner.textContent = 'Kith hit an internal error and stopped. Reload the page to continue; nothing you sent was lost.';
    document.body.prepend(banner);
  };
  addEventListener('error', (e) => crashed(e.error));
  addEventListener('unhandledrejection', (e) => crashed(e.reason));
}
