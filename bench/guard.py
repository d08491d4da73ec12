"""Figures of the health-care guard: recall and false holds on the labelled
corpus and holdout, and the time of `check` on realistic comments.

    .venv/bin/python bench/guard.py [--repeat N]

Stand-alone: reads tests/phi/corpus.tsv and tests/phi/holdout.tsv, prints its
figures; with --check, exits 1 when a target on the corpus or the timing target
is missed (the holdout is reported, not gated: the rules were not tuned on it).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forum.phi import Kind, check  # noqa: E402
from tests.phi.corpus import CORPUS, HOLDOUT, OWN_HOSTS, Score, load, score  # noqa: E402

# Comments of about 1 KB as clinicians write them on the forum: Markdown,
# links, doses, lab values, citations; two of them name a patient.
COMMENTS = (
    """Great thread. We changed our sepsis pathway in 2023 after reading (Seymour et al., 2017) and the
**time to antibiotics** dropped from 94 to 51 minutes. What helped most:

1. A nurse-initiated order set (lactate, cultures x2, then piperacillin-tazobactam 4.5 g IV).
2. A 30 mL/kg crystalloid bolus unless the EF is under 30%.
3. A huddle at 60 minutes, not 180.

Our numbers are in the QI poster: https://forum.example.org/t/8842/sepsis-poster?c=31 and the
original paper is doi:10.1001/jama.2016.0287 (PMID: 26903338). MAP targets of 65 mmHg were fine for
most patients in their 60s and 70s; an 85-year-old on beta blockers needs more thought. Happy to share
the Epic 2023.1.2 build notes with anyone who asks, as long as your analyst can read them. One
warning: the order set defaults to 3.375 g q6h, so check renal dosing (CrCl under 40 mL/min) and
re-dose after 4 hours in theatre. Room for improvement remains on weekends.""",
    """I had a humbling case this week. My patient Rosa Delgado, 91, came in with what looked like a
simple UTI: T 38.4, HR 104, BP 98/60, WBC 14.2, creatinine 162 umol/L (baseline 95). She was admitted
on 12 March 2024 and by the next morning she was delirious and hypotensive. Her daughter asked us to
call her at (507) 284-2511 with any change; the night team did, twice. Blood cultures grew E. coli
resistant to ceftriaxone, so we switched to meropenem 1 g q8h. What I keep thinking about is how
little of this the triage score caught: qSOFA was 1 at arrival. Has anyone validated NEWS2 in the
over-90s? Our registry has 55905 patients but only a few hundred that old. I wrote up the timeline
for our M&M; MRN 00123456 is on the draft, which I know I must remove before it goes anywhere.
Lessons so far: lactate at triage for anyone over 80 with a fever, and a lower bar for the ICU
outreach call. I would love to hear how other sites handle this.""",
    """Agree with the comments above about deprescribing. Our pharmacist-led clinic (Mondays, 1-4 pm)
reviews anyone on 10 or more medicines. Typical wins: stopping PPIs started for a single admission,
halving amlodipine from 10 mg to 5 mg when standing BP drops below 110/70, and stopping aspirin for
primary prevention over 70 (ASPREE, McNeil et al., 2018). We code the visit as 99214 with Z79.899
and the follow-up as 99213. The harder conversations are with families: "she has always taken it" is
powerful. We now give a one-page leaflet, adapted from the Canadian Deprescribing Network
(https://www.deprescribingnetwork.ca/), and book a 2-week phone follow-up. Falls fell by about a
third in the first year (from 112 to 74 per 1000 bed-days), though the 2024 winter skewed things.
Next we want to look at anticholinergic burden scores (ACB 3 or more) and at sedatives started in
hospital, which are the ones nobody feels they own. Thanks to everyone who posted their templates.""",
    """Quick question on the new 45 CFR 164.514 guidance for our case reports. If I describe a
patient in her 60s with a rare vasculitis, give the month of her biopsy but not the day, and
mention the city, is that still de-identified? Our compliance office says the month is fine
because only the year survives Safe Harbor for dates tied to a person, but I read the rule the other
way. The journal (JAMA Case Reports, see 10.1001/jamacasereports.2024.0113) asks for a consent form
anyway. For context: we see about 30 such cases a year, ages 18-65, across 4 sites, and HbA1c,
eGFR and ANCA titres are the only labs we report. I would rather be strict than sorry here, so if
anyone has a template for the consent and the wording of the limitations section, please share it
in the thread or link it; the webinar on 12 May 2025 might also cover it. Our IRB (protocol
2023-0417) is fine with either approach as long as the patient signs.""",
)


def _timings(text: str, repeat: int) -> list[int]:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter_ns()
        check(text, own_hosts=OWN_HOSTS)
        samples.append(time.perf_counter_ns() - began)
    return samples


def _percentile(samples: list[int], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1000


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _print_score(name: str, result: Score) -> tuple[float, float]:
    print(f"\n{name}: {sum(result.positives.values())} labelled identifiers, {result.negatives} negatives")
    worst = 1.0
    for kind in Kind:
        if result.positives[kind]:
            worst = min(worst, result.recall(kind))
            counts = f"{result.recalled[kind]}/{result.positives[kind]}"
            print(f"  {kind.value:<24} recall {result.recall(kind):.3f}  ({counts})")
    counts = f"{len(result.false_holds)}/{result.negatives}"
    print(f"  false holds              {result.false_hold_rate:.3%}  ({counts})")
    print(f"  other kinds on positives {len(result.extra)}")
    for row, kind, findings in result.missed:
        found = ", ".join(f"{f.kind.value}" for f in findings) or "nothing"
        print(f"    missed {kind.value} (line {row.line}, found {found}): {row.text}")
    for row, findings in result.false_holds:
        found = ", ".join(f"{f.kind.value} {row.text[f.start:f.end]!r}" for f in findings)
        print(f"    false hold (line {row.line}, {found}): {row.text}")
    return worst, result.false_hold_rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000, help="calls per text (default 2000)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    print(f"nproc {os.cpu_count()}, {_cpu_model()}, Python {platform.python_version()}")

    verdicts: dict[str, bool] = {}
    for name, path in (("corpus", CORPUS), ("holdout", HOLDOUT)):
        if not path.exists():
            print(f"\n{name}: {path} is missing")
            continue
        worst, false_holds = _print_score(name, score(load(path)))
        verdicts[name] = worst >= 0.95 and false_holds <= 0.03

    for text in COMMENTS:  # warm-up: compiled patterns, caches
        check(text, own_hosts=OWN_HOSTS)
    samples: list[int] = []
    for text in COMMENTS:
        samples.extend(_timings(text, args.repeat))
    sizes = ", ".join(str(len(text.encode())) for text in COMMENTS)
    median_1k = _percentile(samples, 0.5)
    print(f"\ncheck on a 1 KB comment ({len(COMMENTS)} comments of {sizes} bytes, {args.repeat} calls each):")
    print(f"  median {median_1k:.0f} µs, p95 {_percentile(samples, 0.95):.0f} µs")

    long_text = "\n\n".join(COMMENTS * 3)[:10_240]
    long_samples = _timings(long_text, max(50, args.repeat // 10))
    print(f"check on a 10 KB text ({len(long_text.encode())} bytes, {len(long_samples)} calls):")
    print(f"  median {_percentile(long_samples, 0.5):.0f} µs, p95 {_percentile(long_samples, 0.95):.0f} µs")

    print("\ntargets: recall >= 0.95 in every class and false holds <= 3%, median < 1 ms per 1 KB comment")
    for name, met in verdicts.items():
        print(f"  {name:<8} recall and false holds: {'met' if met else 'missed'}")
    print(f"  timing   median {median_1k:.0f} µs: {'met' if median_1k < 1000 else 'missed'}")
    # The holdout measures; it is not a gate (the rules were not tuned on it).
    targets_met = verdicts.get("corpus", False) and median_1k < 1000
    return 0 if targets_met or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
