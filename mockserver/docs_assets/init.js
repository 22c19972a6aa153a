// Starts Swagger UI on the stub's own copy of openapi.yaml; nothing is fetched from other hosts.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");

  // The document lists the real service first; put the origin serving this page (the stub,
  // on whatever host and port it runs) in front so that "Try it out" reaches the stub.
  function ThisStubFirst() {
    var here = window.location.origin;
    return {
      statePlugins: {
        spec: {
          wrapActions: {
            updateJsonSpec: function (original) {
              return function (spec) {
                var servers = Array.isArray(spec.servers) ? spec.servers : [];
                var others = servers.filter(function (s) { return s && s.url !== here; });
                var first = { url: here, description: "This stub (the origin serving this page)" };
                return original(Object.assign({}, spec, { servers: [first].concat(others) }));
              };
            }
          }
        }
      }
    };
  }

  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    displayOperationId: true,
    // The default online validator would send the document to another host.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl, ThisStubFirst],
    layout: "BaseLayout"
  });
})();
