// Loaded between require.js and @jupyter-widgets/html-manager's embed-amd.js on pages with
// explorers (_config.yml, nb_ipywidgets_js). The manager finds its own files (the Font
// Awesome fonts of its style sheet) relative to the URL RequireJS gives its modules; with
// no path configured that is the page's own folder, where they are not. Point it at the
// CDN folder the bundle itself is loaded from. Sphinx 7.4 also adds this file to pages
// without widgets, where there is no RequireJS: there it does nothing.
if (typeof window.require === "function" && typeof window.require.config === "function") {
  window.require.config({
    paths: {
      "@jupyter-widgets/html-manager": "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6",
    },
  });
}
