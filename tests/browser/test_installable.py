"""The phone app installs: a manifest a phone accepts, a service worker that keeps the app
shell and shows the offline page when the network is cut."""
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SHELL_READY = """async () => {
  const registration = await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise(resolve => navigator.serviceWorker.addEventListener(
      "controllerchange", resolve, { once: true }));
  }
  return registration.active.state;
}"""


def test_manifest_installs_the_dock_home_standalone_with_every_icon_size(phone):
    page = phone.login("dock")
    manifest_url = page.get_attribute("link[rel=manifest]", "href")
    response = page.request.get(manifest_url)
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()

    assert manifest["name"] and manifest["short_name"] == "Dockside"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/dock/" and manifest["scope"] == "/"
    assert manifest["theme_color"] == page.get_attribute("meta[name=theme-color]", "content")
    sizes = set()
    for icon in manifest["icons"]:
        image = Image.open(io.BytesIO(page.request.get(icon["src"]).body()))
        assert icon["sizes"] == f"{image.width}x{image.height}" and image.format == "PNG"
        sizes.add((image.width, icon["purpose"]))
    assert {(192, "any"), (512, "any"), (512, "maskable")} <= sizes


def test_service_worker_keeps_the_shell_drops_old_caches_and_serves_the_offline_page(phone):
    page = phone.page
    page.goto("/healthz")  # same origin, no service worker yet: plant a cache of an old version
    page.evaluate("caches.open('dockside-shell-0ld').then(c => c.put('/old', new Response('x')))")

    sw = page.request.get("/sw.js")
    assert sw.headers["service-worker-allowed"] == "/"
    assert "no-cache" in sw.headers["cache-control"]

    phone.login("dock")
    assert page.evaluate(SHELL_READY) == "activated"
    caches = page.evaluate("caches.keys()")
    shell = [name for name in caches if name.startswith("dockside-shell-")]
    assert len(shell) == 1 and "dockside-shell-0ld" not in caches
    kept = page.evaluate("name => caches.open(name).then(c => c.keys()).then("
                         "keys => keys.map(k => new URL(k.url).pathname))", shell[0])
    assert {"/offline", "/static/app.js", "/static/vendor/htmx-2.0.11.min.js",
            "/static/vendor/zxing-wasm-3.1.4.reader.wasm",
            "/static/icons/icon-192.png"} <= set(kept)

    page.reload()  # now through the worker, which keeps a copy of the dock page
    phone.context.set_offline(True)
    page.goto("/review/")
    expect(page.locator("h1")).to_have_text("No network")
    expect(page.locator("[data-offline-badge]")).to_be_visible()
    page.goto("/dock/")
    expect(page.locator("h1")).to_contain_text("Open ASNs")  # the kept copy

    phone.context.set_offline(False)
    page.goto("/review/")
    expect(page.locator("h1")).not_to_have_text("No network")
