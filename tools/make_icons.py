"""Draw the app icons (static/icons/): a carton with a barcode on Dockside's blue.

Run once after changing the design: `.venv/bin/python tools/make_icons.py`. The PNGs are
committed, so the app and its tests never need this script.
"""
from pathlib import Path

from PIL import Image, ImageDraw

BRAND = (11, 61, 92)  # --brand in app.css, the manifest's theme colour
CARTON = (214, 170, 110)
INK = (17, 17, 17)
WHITE = (255, 255, 255)
ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
# Barcode bar widths (in units) and the gaps after them: fixed, so the icons are reproducible.
BARS = [2, 1, 1, 3, 1, 2, 1, 1, 2, 3, 1, 1, 2, 1, 3, 1, 1, 2]


def draw_icon(size: int, *, maskable: bool) -> Image.Image:
    """One icon. A maskable icon fills the square and keeps its drawing inside the
    central 80 % circle that every launcher mask leaves visible."""
    image = Image.new("RGB", (size, size), BRAND)
    draw = ImageDraw.Draw(image)
    if not maskable:
        # A plain icon is shown as is: round its corners on a transparent square.
        image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 6, fill=BRAND)
    scale = 0.56 if maskable else 0.72
    box = size * scale
    left, top = (size - box) / 2, (size - box * 0.8) / 2
    right, bottom = left + box, top + box * 0.8
    draw.rectangle((left, top, right, bottom), fill=CARTON, outline=INK, width=max(2, size // 96))
    # the tape across the lid
    tape = box * 0.12
    draw.rectangle(((size - tape) / 2, top, (size + tape) / 2, top + box * 0.3), fill=(190, 145, 85))
    # the label with its barcode
    label = (left + box * 0.14, top + box * 0.38, right - box * 0.14, bottom - box * 0.1)
    draw.rectangle(label, fill=WHITE)
    unit = (label[2] - label[0] - box * 0.08) / (sum(BARS) + len(BARS))
    x = label[0] + box * 0.04
    for width in BARS:
        draw.rectangle((x, label[1] + box * 0.05, x + width * unit, label[3] - box * 0.05), fill=INK)
        x += (width + 1) * unit
    return image


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw_icon(size, maskable=False).save(ICONS / f"icon-{size}.png", optimize=True)
    draw_icon(512, maskable=True).save(ICONS / "icon-maskable-512.png", optimize=True)
    draw_icon(180, maskable=True).save(ICONS / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
