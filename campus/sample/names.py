"""Word lists for the fictitious sample county (示例县) and a deterministic name maker.

Every place name here is invented for the demo. Person names are drawn from
common surnames and given-name characters, so they are ordinary but belong to
nobody in particular; every entity name also carries the "（样例）" mark.
"""

from __future__ import annotations

import random

SAMPLE_MARK = "（样例）"
COUNTY_NAME = "示例县"

SURNAMES = (
    "王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 胡 朱 高 林 何 郭 马 罗 梁 宋 郑 谢 韩 唐 冯 于 董 程 "
    "曹 袁 邓 许 傅 沈 曾 彭 吕 苏 卢 蒋 蔡 贾 丁 魏 薛 叶 潘 杜 戴 夏 田 任 姜 范 方 石 姚 谭"
).split()

GIVEN_CHARS = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀 霞 平 刚 英 华 建 国 志 红 玉 兰 海 "
    "鹏 辉 文 斌 宇 浩 凯 鑫 晨 欣 悦 婷 雪 琳 博 瑞 峰 波 宁 阳 晓 春 燕 梅 俊 飞 新 东 亮 成 "
    "晶 莉 佳 振 庆 荣 彬 健 慧 颖 倩 昕 泽 睿 然 航 帆 凡 毅 诚 坤"
).split()

# Rural police stations (派出所) and the townships they serve: invented names.
RURAL_STEMS = ("青石岭", "松溪", "云岭", "柳河湾", "白马泉", "杏花峪", "桃源坪", "鹿鸣", "翠屏")
# Urban stations (the county town 城区): generic "east/west/central" names.
URBAN_STEMS = ("城关", "城东", "城西")

VILLAGE_SUFFIXES = ("家庄", "家峪", "家坡", "家沟", "官庄", "家洼", "家岭", "家店")
ROADS = ("文昌路", "育才路", "振兴路", "和平路", "建设路", "新华路", "青年路", "滨河路", "花园路", "健康路")

DEPARTMENTS = (
    # (code, name, kind)
    ("BM01", "治安大队", "brigade"),
    ("BM02", "巡警大队", "brigade"),
    ("BM03", "刑侦大队", "brigade"),
    ("BM04", "交警大队", "brigade"),
    ("BM05", "法制大队", "brigade"),
    ("BM06", "指挥中心", "office"),
    ("BM07", "政工室", "office"),
    ("BM08", "警务保障室", "office"),
)


class NameMaker:
    """Draws unique fictitious names from a seeded ``random.Random``."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._people: set[str] = set()
        self._villages: set[str] = set()
        self._phones: set[str] = set()

    def person(self) -> tuple[str, str]:
        """(surname, given name), unique across the county."""
        while True:
            surname = self._rng.choice(SURNAMES)
            count = 1 if self._rng.random() < 0.3 else 2
            given = "".join(self._rng.choice(GIVEN_CHARS) for _ in range(count))
            if surname + given not in self._people:
                self._people.add(surname + given)
                return surname, given

    def full_name(self) -> str:
        surname, given = self.person()
        return surname + given

    def village(self) -> str:
        while True:
            name = self._rng.choice(SURNAMES) + self._rng.choice(VILLAGE_SUFFIXES)
            if name not in self._villages:
                self._villages.add(name)
                return name

    def mobile(self) -> str:
        """A fictitious 11-digit mobile number: prefix 100, which no Chinese mobile network uses."""
        while True:
            phone = f"100{self._rng.choice(('00', '01'))}00{self._rng.randrange(10000):04d}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone

    def landline(self) -> str:
        """A fictitious landline: area code 0000, which does not exist."""
        while True:
            phone = f"0000-3{self._rng.randrange(1_000_000):06d}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone
