/* Component libraries that only some pages use (AG Grid, Leaflet) are not among the page's scripts
   (web/static_files.py): each is loaded the first time one of its components renders ("rendered") or comes
   within a screen of the viewport ("visible"; until then an empty box with the component's class and style
   keeps its place), from the URL the page's "cityvitals-lazy-libraries" meta tag names.

   Until then window.<namespace> is a stand-in whose components load the library and then render the real
   component. The stand-in stays in place afterwards (the library's own assignment to window.<namespace> is
   kept behind it), so a component rendered before the load keeps one React type and is never remounted. */
(function () {
  "use strict";
  const meta = document.querySelector('meta[name="cityvitals-lazy-libraries"]');
  if (!meta) {
    return;
  }
  // What Dash's renderer reads from a component class besides rendering it.
  const STATICS = ["defaultProps", "propTypes", "dashPersistence", "dashRenderType", "dashChildrenUpdate"];

  // Whether the element is on the screen or within a screen's height of it; calls back once when it is.
  function whenNear(element, callback) {
    if (!("IntersectionObserver" in window)) {
      callback();
      return function () {};
    }
    const observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        callback();
      }
    }, {rootMargin: "100% 0px"});
    observer.observe(element);
    return function () { observer.disconnect(); };
  }

  function defer(namespace, url, when) {
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
            loading = null;  // the next render tries again
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
      function Deferred(props) {
        const [Real, setReal] = React.useState(function () { return library && library[name]; });
        const place = React.useRef(null);
        React.useEffect(function () {
          if (Real) {
            return undefined;
          }
          let mounted = true;
          function start() {
            load().then(function (loaded) {
              if (mounted) {
                setReal(function () { return loaded[name]; });
              }
            }, function (error) { console.error(error); });
          }
          const stopWatching = when === "visible" && place.current ? whenNear(place.current, start) : start();
          return function () {
            mounted = false;
            if (stopWatching) {
              stopWatching();
            }
          };
        }, []);
        if (Real) {
          return React.createElement(Real, props);
        }
        return React.createElement("div", {ref: place, className: props.className, style: props.style,
                                           "aria-busy": "true"});
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
  }

  const libraries = JSON.parse(meta.content);
  Object.keys(libraries).forEach(function (namespace) {
    defer(namespace, libraries[namespace].url, libraries[namespace].when);
  });
})();
