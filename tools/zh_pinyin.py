"""Fill the pinyin column of `resnet_demo/data/imagenet_zh.tsv` from its Chinese names (a maintainer's tool).

Run it after editing a name: `python tools/zh_pinyin.py`. The app reads the stored column (so it
needs no pinyin library at run time, and every reading was reviewed by a person); pypinyin picks a
reading from its phrase dictionary, which is wrong for some words, so the readings we checked by hand
are listed in `READINGS` and win. `tests/test_class_names.py` checks each stored syllable is a
reading pypinyin knows for its character.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pypinyin import Style, lazy_pinyin

DATA = Path(__file__).resolve().parent.parent / "resnet_demo" / "data" / "imagenet_zh.tsv"

READINGS: dict[str, str] = {
    # 长 is cháng (long), not zhǎng (grow), in these names
    "长牙象": "cháng yá xiàng",
    "长尾猴": "cháng wěi hóu",
    "长鼻猴": "cháng bí hóu",
    "礼服长裙": "lǐ fú cháng qún",
    "长柄汤勺": "cháng bǐng tāng sháo",
    "公园长椅": "gōng yuán cháng yǐ",
    "长杆": "cháng gān",
    # 发 of hair is fà; 调酒 is tiáo; the tool 刨 is bào; 栅栏 is zhà; 卷帘 is juǎn; 杓兰 is sháo
    "发夹": "fà jiā",
    "假发": "jiǎ fà",
    "调酒壶": "tiáo jiǔ hú",
    "木工刨": "mù gōng bào",
    "之字形木栅栏": "zhī zì xíng mù zhà lan",
    "卷帘": "juǎn lián",
    "黄杓兰": "huáng sháo lán",
    # 摇杆 (a lever) is gǎn; 儒艮 is gèn; 切 in transliterations and 切肉 is qiē; 塞 in 苏塞克斯 is sài;
    # 町 in 大麦町 is dīng
    "游戏摇杆": "yóu xì yáo gǎn",
    "儒艮": "rú gèn",
    "切萨皮克湾寻回犬": "qiē sà pí kè wān xún huí quǎn",
    "切肉刀": "qiē ròu dāo",
    "苏塞克斯猎犬": "sū sài kè sī liè quǎn",
    "大麦町犬（斑点狗）": "dà mài dīng quǎn bān diǎn gǒu",
}

def reading(name: str) -> str:
    """The name's pinyin with tone marks, one syllable per character, ASCII words kept, punctuation dropped."""
    if name in READINGS:
        return READINGS[name]
    syllables = lazy_pinyin(name, style=Style.TONE)
    return " ".join(s.strip() for s in syllables if re.search(r"\w", s))


def main() -> int:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        if line.startswith("#") or not line.strip():
            out.append(line)
            continue
        index, english, chinese, *_ = line.split("\t")
        out.append("\t".join((index, english, chinese, reading(chinese))))
    DATA.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"wrote {DATA}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
