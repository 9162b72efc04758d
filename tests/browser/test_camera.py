"""A phone without a hardware scanner reads carton labels with its camera: Chromium's fake
camera plays a GS1-128 carton label, and the read is a scan like a wedge scanner's."""
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image, ImageOps
from playwright.sync_api import expect

from receiving_app.extensions import db
from receiving_app.models import ScanEvent
from tests.browser.conftest import LAUNCH_ARGS, Phone
from tests.browser.test_offline_queue import NUMBER, checked_in, labels

pytestmark = pytest.mark.browser

FRAME = (640, 480)


def label_video(path, sscc: str) -> None:
    """A one-frame Y4M video (what Chromium's fake camera plays) of a GS1-128 SSCC label."""
    barcode = zxingcpp.create_barcode(f"(00){sscc}", zxingcpp.BarcodeFormat.Code128, gs1=True)
    image = Image.fromarray(barcode.to_image(scale=3)).convert("L")
    image = image.resize((image.width, 160))
    frame = Image.new("L", FRAME, 235)  # a pale carton side, the label in the middle
    frame.paste(ImageOps.expand(image, border=16, fill=255),
                ((FRAME[0] - image.width) // 2 - 16, (FRAME[1] - image.height) // 2 - 16))
    y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
    half = (FRAME[0] // 2, FRAME[1] // 2)
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{FRAME[0]} H{FRAME[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        video.write(b"FRAME\n" + y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes())


@pytest.fixture
def camera_phone(playwright_instance, chromium_path, device, live_server, tmp_path):
    """A phone whose rear camera looks at the first carton of the NOVA ASN."""
    video = tmp_path / "label.y4m"
    label_video(video, labels(live_server)[0])
    browser = playwright_instance.chromium.launch(
        executable_path=str(chromium_path),
        args=LAUNCH_ARGS + ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                            f"--use-file-for-fake-video-capture={video}"])
    # no service worker: every request the page makes is seen here
    phone = Phone(browser, device, live_server, permissions=["camera"], service_workers="block")
    yield phone
    problems = phone.close()
    browser.close()
    assert not problems, problems


def test_a_label_read_by_the_camera_is_received_like_a_wedge_scan(camera_phone, live_server):
    phone = camera_phone
    requests = []
    phone.page.on("request", lambda request: requests.append(request.url))
    page = checked_in(phone)
    label = labels(live_server)[0]

    page.locator("#scan .camera-button, form[data-scan-form] [data-camera]").first.click()
    dialog = page.locator("[data-camera-dialog]")
    expect(dialog).to_be_visible()
    expect(page.locator("#scan-result")).to_contain_text(f"Received {label}")
    expect(dialog.locator("[data-camera-status]")).to_contain_text(f"Received {label}")
    expect(page.locator("#progress")).to_have_text("1/6")
    page.wait_for_timeout(3_000)  # the label stays in view: still one scan
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()
    phone.wait_for_scan_focus()

    with live_server.app_context():
        [event] = db.session.scalars(sa.select(ScanEvent).where(ScanEvent.step == "receive")).all()
        assert event.raw_code == f"]C100{label}"  # the GS1 symbology identifier was kept
        assert event.outcome == "received" and event.idempotency_key and event.client_time
    assert all(url.startswith(live_server.url) for url in requests)  # no CDN
    assert any(url.endswith("/static/vendor/zxing-wasm-3.1.4.reader.wasm") for url in requests)
    assert not page.evaluate("() => 'BarcodeDetector' in window")  # so zxing-wasm read it
    assert NUMBER in page.url
