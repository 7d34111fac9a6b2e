// Convene's service worker: shows web push notifications (RFC 8030) while
// no Convene tab is open, and opens the page they point to when clicked.
// The browser decrypts each push (RFC 8291) before `push` fires; its data
// is JSON {"title", "body", "url", "tag"} from the server.
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

// A path on this site; anything else (another origin) opens the home page.
function sameOrigin(url) {
  try {
    const target = new URL(url || "/", self.location.origin);
    return target.origin === self.location.origin ? target.href : self.location.origin + "/";
  } catch (_) {
    return self.location.origin + "/";
  }
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (_) {
    data = { body: event.data ? event.data.text() : "" };
  }
  const options = {
    body: data.body || "",
    data: { url: sameOrigin(data.url) },
    icon: "/favicon.svg",
  };
  if (data.tag) {
    // A newer notice with the same tag replaces the old one and still
    // alerts the user.
    options.tag = data.tag;
    options.renotify = true;
  }
  event.waitUntil(self.registration.showNotification(data.title || "Convene", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || sameOrigin("/");
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((tabs) => {
      for (const tab of tabs) {
        if (tab.url === url && "focus" in tab) {
          return tab.focus();
        }
      }
      return self.clients.openWindow(url);
    })
  );
});
