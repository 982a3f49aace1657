// Steward's GraphiQL start-up. It is a file of its own, not an inline <script>, so that the page's
// Content-Security-Policy can allow scripts from the server only (script-src 'self').
// React, ReactDOM and GraphiQL are the UMD globals of the vendored bundles loaded before it.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  // The endpoint comes from the server-rendered page, so the Rust side stays the one place that
  // names it.
  var endpoint = root.getAttribute('data-endpoint') || '/graphql';

  var defaultQuery = [
    '# Steward GraphiQL',
    '#',
    '# Most fields need a credential. Sign up or log in with the signUp / logIn',
    '# mutation, then put the accessToken in the Headers tab below:',
    '#',
    '#   {"Authorization": "Bearer <accessToken>"}',
    '#',
    '# The Docs button (top left) browses the schema.',
    '',
    '{',
    '  viewer {',
    '    role',
    '  }',
    '}',
    ''
  ].join('\n');

  // createFetcher sends the Headers editor's JSON with every request, Authorization included.
  var fetcher = GraphiQL.createFetcher({ url: endpoint });

  root.textContent = '';
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      isHeadersEditorEnabled: true,
      // Open the Headers tab: that is where the Bearer token goes.
      defaultEditorToolsVisibility: 'headers',
      // A token must not outlive the tab in localStorage.
      shouldPersistHeaders: false
    })
  );
})();
