"""Names, resident ID numbers and phone numbers of simulated people (personal data)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.domain import resident_id

from .random import stream

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文"
)
GIVEN = list(
    "德明华建国强文平军志英秀兰红梅芳丽玉桂珍凤海林云光成永福贵春生金安荣祥勇刚斌杰涛辉敏静燕霞娟萍琴艳丹婷雪飞鹏宇浩晨阳洋磊鑫波超亮伟峰"
)


def build_identities(
    persons: pd.DataFrame,
    households: pd.DataFrame,
    villages: pd.DataFrame,
    sim: dict,
    name: str = "identities",
    taken: np.ndarray | None = None,
) -> pd.DataFrame:
    """One name, resident ID number and (for adults) phone number per person.

    Members share the head's surname except spouses and in-laws. The ID's area code is the
    person's county, its birth date and sex digit agree with the person. ``taken``: ID
    numbers another population already holds (a new population's codes move past them).
    """
    rng = stream(sim["seed"], name)
    n = len(persons)
    h = persons["household_idx"].to_numpy()
    surnames = np.array(SURNAMES)
    given = np.array(GIVEN)
    family = rng.integers(0, len(surnames), len(households))[h]
    married_in = np.isin(persons["relation"].to_numpy(), ["配偶", "之儿媳", "之女婿"])
    surname = np.where(married_in, rng.integers(0, len(surnames), n), family)
    first = given[rng.integers(0, len(given), n)]
    second = np.where(rng.random(n) < 0.7, given[rng.integers(0, len(given), n)], "")
    name = np.char.add(np.char.add(surnames[surname], first), second)

    county = villages["village_code"].str[:6].to_numpy()[households["village_idx"].to_numpy()][h]
    birth = persons["birth_date"].dt.strftime("%Y%m%d").to_numpy().astype("U8")
    sex_digit = 2 * rng.integers(0, 5, n) + persons["male"].to_numpy().astype(int)
    # The order code (positions 15–17) is unique among people of one county, birth date and
    # order digit's parity, as the issuing office makes it: random draws would collide.
    drawn = rng.integers(0, 100, n) * 5 + sex_digit // 2  # one of 500 codes per parity
    sex = persons["male"].to_numpy().astype(int)
    group = pd.Series(drawn).groupby([pd.Series(county), pd.Series(birth), pd.Series(sex)])
    # The first person of a group keeps the drawn code; the others take the codes after it.
    code = (group.transform("first").to_numpy() + group.cumcount().to_numpy()) % 500
    sequence = np.char.add(
        np.char.zfill((code // 5).astype(str), 2), (2 * (code % 5) + sex).astype(str)
    )
    ids = resident_id.compose(county, birth, sequence)
    if taken is not None:
        ids = _past_taken(ids, county, birth, code, sex, taken)
    prefixes = np.array(
        ["133", "135", "138", "139", "150", "151", "158", "177", "180", "187", "188", "199"]
    )
    phone = np.char.add(
        prefixes[rng.integers(0, len(prefixes), n)],
        np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8),
    )
    adult = persons["age_2014"].to_numpy() >= 16
    return pd.DataFrame({"name": name, "id_number": ids, "phone": np.where(adult, phone, "")})


def _past_taken(ids, county, birth, code, sex, taken: np.ndarray) -> np.ndarray:
    """Move the order code of IDs another population holds to the next free one (few)."""
    held = set(taken.tolist())
    ids = ids.astype(object)
    for _ in range(500):
        clash = np.flatnonzero(
            pd.Series(ids).isin(held).to_numpy() | pd.Series(ids).duplicated().to_numpy()
        )
        if not len(clash):
            return ids.astype(str)
        code[clash] = (code[clash] + 1) % 500
        sequence = np.char.add(
            np.char.zfill((code[clash] // 5).astype(str), 2),
            (2 * (code[clash] % 5) + sex[clash]).astype(str),
        )
        ids[clash] = resident_id.compose(county[clash], birth[clash], sequence)
    raise RuntimeError("no free resident ID order code left")
