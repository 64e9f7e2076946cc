"""OCR accuracy and speed on rendered scans and photos (docs/benchmarks.md, "OCR").

    PYTHONPATH=. python bench/bench_ocr.py [--pages 3] [--out results.json]

Pages are a county notice (simplified Chinese, figures, dates, punctuation) rendered with the
Noto CJK fonts the way a copier scans them: A4 at 300 dpi, 16 pt serif (公文 body size, 三号),
12 pt serif and 10.5 pt sans (五号, tables and notes). Photos are the same pages as a phone sees
a notice on a bulletin board: 0.6x, rotated 2.5 degrees, unevenly lit, blurred, sensor noise;
"hard photos" 0.45x, 5 degrees; "poor photos" 0.3x, 8 degrees, more blur and noise, JPEG quality 35
(what a chat app leaves of a hurried shot). Character accuracy is 1 - Levenshtein distance / reference length
over the text without whitespace (the layout's line breaks are not scored), read through the
same path ingestion uses (bot.kb.ocr.recognise, cleaning included).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from PIL import Image
from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._machine import cpu_flags, cpu_model, describe
from bot.kb.ocr import recognise
from tests.formats.make import photo_of, render_page

NOTICE = (
    "关于做好2024年度城乡居民基本医疗保险参保缴费工作的通知。各乡镇人民政府，县直有关单位："
    "根据省医疗保障局、省财政厅、国家税务总局省税务局联合印发的文件精神，现就做好我县2024年度城乡居民"
    "基本医疗保险参保缴费工作通知如下。一、参保范围。除职工基本医疗保险应参保人员以外的其他所有城乡居民，"
    "包括农村居民、城镇非从业居民、在校大中小学生和学龄前儿童，均应参加城乡居民医保。二、缴费标准。"
    "2024年度个人缴费标准为每人每年380元，各级财政补助标准为每人每年不低于640元。特困人员、孤儿、"
    "事实无人抚养儿童的个人缴费部分由医疗救助资金全额资助；低保对象、返贫致贫人口按每人每年"
    "285元给予定额资助。三、缴费时间。集中缴费期为2023年9月1日至12月31日，待遇享受期为2024年1月1日至"
    "12月31日。新生儿在出生后90天内参保缴费的，自出生之日起享受待遇。四、缴费方式。参保群众可通过"
    "手机银行、微信小程序、税务APP等线上渠道缴费，也可到村便民服务站或乡镇税务所现场缴费。"
    "五、工作要求。各乡镇要压实村级责任，逐户宣传到位，确保脱贫人口和监测对象应保尽保，参保率稳定在"
    "95%以上。咨询电话：0851-3321456。县医疗保障局，2023年8月25日。"
)

STYLES = [  # (name, font pt, sans)
    ("16pt serif", 16, False),
    ("12pt serif", 12, False),
    ("10.5pt sans", 10.5, True),
]


def wrap(text: str, font_pt: float, width_mm: float = 210, margin_mm: float = 15) -> list[str]:
    """Lines as a word processor breaks them: as many characters as fit the text width."""
    per_line = int((width_mm - 2 * margin_mm) / (font_pt * 25.4 / 72) * 0.98)
    return [text[i : i + per_line] for i in range(0, len(text), per_line)]


def accuracy(reference: str, read: str) -> float:
    ref = "".join(reference.split())
    got = "".join(read.split())
    return 1 - Levenshtein.distance(ref, got) / len(ref)


def run(images: list[tuple[str, str, Image.Image]], max_side: int) -> list[dict[str, object]]:
    rows = []
    for kind, style, image in images:
        cpu = time.process_time()
        page = recognise(image, max_side=max_side)
        rows.append({
            "kind": kind, "style": style, "pixels": f"{image.width}x{image.height}",
            "accuracy": round(accuracy(NOTICE, page.text), 4), "confidence": page.confidence,
            "seconds": round(page.seconds, 2), "cpu_seconds": round(time.process_time() - cpu, 2),
        })  # fmt: skip
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--max-side", type=int, default=2400, help="ReadOptions.ocr_max_side")
    parser.add_argument("--kinds", default="clean 300-dpi scan,photo,hard photo,poor photo")
    args = parser.parse_args()

    t0 = time.perf_counter()
    recognise(Image.new("RGB", (64, 64), "white"), max_side=args.max_side)  # load the models first
    load = time.perf_counter() - t0
    images: list[tuple[str, str, Image.Image]] = []
    for style, pt, sans in STYLES:
        page = render_page(wrap(NOTICE, pt), width_mm=210, font_pt=pt, sans=sans)
        images.append(("clean 300-dpi scan", style, page))
        images.append(("photo", style, photo_of(page)))
        images.append(("hard photo", style, photo_of(page, angle=5, scale=0.45, seed=11)))
        images.append((
            "poor photo", style,
            photo_of(page, angle=8, scale=0.3, blur=1.4, noise=18, jpeg_quality=35, seed=13),
        ))  # fmt: skip
    kinds = args.kinds.split(",")
    images = [i for i in images if i[0] in kinds]
    with open("/proc/loadavg") as fh:
        load_before = fh.read().split()[0]
    rows = run(images, args.max_side)
    with open("/proc/loadavg") as fh:
        load_after = fh.read().split()[0]
    summary = {}
    for kind in kinds:
        sel = [r for r in rows if r["kind"] == kind]
        seconds = sum(float(r["seconds"]) for r in sel)
        cpu = sum(float(r["cpu_seconds"]) for r in sel)
        summary[kind] = {
            "mean_accuracy": round(statistics.mean(float(r["accuracy"]) for r in sel), 4),
            "min_accuracy": min(float(r["accuracy"]) for r in sel),
            "pages_per_s": round(len(sel) / seconds, 3),
            "median_s_per_page": statistics.median(float(r["seconds"]) for r in sel),
            "cpu_s_per_page": round(cpu / len(sel), 2),
        }
    result = {
        "machine": describe(), "cpu": cpu_model(), "max_side": args.max_side, "simd": cpu_flags(), "model_load_s": round(load, 2),
        "loadavg_before_after": [load_before, load_after], "reference_chars": len(NOTICE),
        "pages": rows, "summary": summary,
    }  # fmt: skip
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
