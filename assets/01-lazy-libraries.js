/* Component libraries that only some pages use (AG Grid, Leaflet) are not among the page's scripts
   (web/static_files.py). The page's "cityvitals-lazy-libraries" meta tag names each one's script; it is loaded
   when an answer of the server (the layout, a page's content, a callback's output) first holds one of its
   components, and that answer reaches Dash's renderer only once the script has run. So the renderer never
   meets a component it does not know: a component drawn before its library was there would keep the props it
   was first drawn with (Dash hands a child's later updates to the child only once it is drawn).

   As a fallback (a component arriving some other way), window.<namespace> is a stand-in until the library
   is there: its components load the library and then draw the real one. The stand-in stays in place afterwards
   (the library's own assignment to window.<namespace> is kept behind it), so a component drawn before the
   load keeps one React type and is not drawn anew. */
(function () {
  "use strict";
  const meta = document.querySelector('meta[name="cityvitals-lazy-libraries"]');
  if (!meta) {
    return;
  }
  // What Dash's renderer reads from a component class besides drawing it.
  const STATICS = ["defaultProps", "propTypes", "dashPersistence", "dashRenderType", "dashChildrenUpdate"];
  const ANSWERS = /\/_dash-(update-component|layout)(\?|$)/;

  function defer(namespace, url) {
    let library = null;     // the real library, once its script has run
    let loading = null;     // the promise of that
    const early = {};       // properties set on the stand-in before the library was there
    const standIns = {};    // components handed out before the load, by name

    function load() {
      if (!loading) {
        loading = new Promise(function (resolve, reject) {
          const script = document.createElement("script");
          script.src = url;
          script.onload = function () {
            if (!library) {
              reject(new Error(namespace + " did not register itself"));
              return;
            }
            Object.keys(standIns).forEach(function (name) { copyStatics(standIns[name], library[name]); });
            resolve(library);
          };
          script.onerror = function () {
            loading = null;  // the next answer or drawing tries again
            reject(new Error(url + " did not load"));
          };
          document.head.appendChild(script);
        });
      }
      return loading;
    }

    function copyStatics(standIn, real) {
      STATICS.forEach(function (key) {
        if (real && key in real) {
          standIn[key] = real[key];
        }
      });
    }

    function standIn(name) {
      const React = window.React;
      const onPhone = phoneView(namespace, name);
      if (onPhone) {
        return onPhone;
      }
      function Deferred(props) {
        const [Real, setReal] = React.useState(function () { return library && library[name]; });
        React.useEffect(function () {
          if (Real) {
            return undefined;
          }
          let mounted = true;
          load().then(function (loaded) {
            if (mounted) {
              setReal(function () { return loaded[name]; });
            }
          }, function (error) { console.error(error); });
          return function () { mounted = false; };
        }, []);
        if (Real) {
          return React.createElement(Real, props);
        }
        return React.createElement("div", {className: props.className, style: props.style, "aria-busy": "true"});
      }
      Deferred.displayName = namespace + "." + name;
      // Dash waits for a lazy component before it hands it a callback's answer.
      Object.defineProperty(Deferred, "_dashprivate_isLazyComponentReady", {
        get: function () { return library ? true : load(); },
      });
      return Deferred;
    }

    const facade = new Proxy({}, {
      get: function (target, name) {
        if (typeof name !== "string") {
          return undefined;
        }
        if (standIns[name]) {
          return standIns[name];
        }
        if (library) {
          return library[name];
        }
        if (name in early) {
          return early[name];
        }
        standIns[name] = standIn(name);
        return standIns[name];
      },
      set: function (target, name, value) {
        (library || early)[name] = value;
        return true;
      },
      has: function (target, name) {
        return library ? name in library : true;
      },
      ownKeys: function () {
        return library ? Reflect.ownKeys(library) : [];
      },
      getOwnPropertyDescriptor: function (target, name) {
        if (!library || !(name in library)) {
          return undefined;
        }
        return {value: library[name], writable: true, enumerable: true, configurable: true};
      },
    });

    Object.defineProperty(window, namespace, {
      configurable: true,
      get: function () { return facade; },
      set: function (value) {
        if (value === facade) {
          return;
        }
        // A library that extends itself (Leaflet's layer control copies window.dash_leaflet) copies the
        // stand-ins too: its copy keeps the real components instead.
        Object.keys(standIns).forEach(function (name) {
          if (library && value[name] === standIns[name]) {
            value[name] = library[name];
          }
        });
        library = Object.assign(value, early);
      },
    });

    return {
      load: load,
      loaded: function () { return library !== null; },
      // Whether an answer's text holds a component of this library that is drawn by the library itself.
      usedBy: function (text) {
        return !phoneViewsOf(namespace) && text.indexOf('"namespace":"' + namespace + '"') !== -1;
      },
    };
  }

  // A phone may draw a library's components with a lighter view of its own (window.cityvitalsPhoneViews,
  // e.g. a list for AG Grid's grid, assets/92-desk-grids.js): then the library is never downloaded there.
  const PHONE = window.matchMedia("(max-width: 600px)").matches;

  function phoneViewsOf(namespace) {
    return PHONE && (window.cityvitalsPhoneViews || {})[namespace];
  }

  function phoneView(namespace, name) {
    const views = phoneViewsOf(namespace);
    return views && views[name];
  }

  const libraries = JSON.parse(meta.content);
  const deferred = Object.keys(libraries).map(function (namespace) { return defer(namespace, libraries[namespace]); });

  // The renderer's answers wait for the libraries they use.
  const fetchFromServer = window.fetch.bind(window);
  window.fetch = function (resource, options) {
    const answer = fetchFromServer(resource, options);
    const url = typeof resource === "string" ? resource : (resource && resource.url) || "";
    if (!ANSWERS.test(url)) {
      return answer;
    }
    return answer.then(function (response) {
      const pending = deferred.filter(function (library) { return !library.loaded(); });
      if (!response.ok || !pending.length) {
        return response;
      }
      return response.clone().text().then(function (text) {
        const loads = pending.filter(function (library) { return library.usedBy(text); })
          .map(function (library) { return library.load(); });
        return Promise.all(loads).then(function () { return response; }, function (error) {
          console.error(error);
          return response;  // the stand-ins try again when they are drawn
        });
      });
    });
  };
})();
