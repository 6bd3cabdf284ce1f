"""Realistic Chinese outpatient vocabulary: people, departments, fee categories and what is billed.

The values are what a Guangzhou outpatient bill really carries (see DOMAIN.md), so generated bills
look like bills to a cashier and to a client developer, not like random Unicode. Prices are unit
prices in yuan as the HIS writes them (`Price`, up to 4 decimals); herbs are priced per gram.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum


class Pool(Enum):
    """The kind of things a fee category bills; each category draws its lines from one pool."""

    WESTERN = "western"
    PATENT = "patent"
    HERBAL = "herbal"
    LAB = "lab"
    EXAM = "exam"
    TREATMENT = "treatment"
    MATERIAL = "material"
    CONSULTATION = "consultation"


@dataclass(slots=True, frozen=True)
class Billable:
    """One thing a bill line can charge for: a drug, a herb, a test, a service or a material."""

    name: str
    specification: str
    unit: str
    price: Decimal
    drug: bool


def _b(name: str, specification: str, unit: str, price: str, *, drug: bool = False) -> Billable:
    return Billable(name, specification, unit, Decimal(price), drug)


BILLABLES: dict[Pool, tuple[Billable, ...]] = {
    Pool.WESTERN: (
        _b("阿莫西林胶囊", "0.25g*24粒", "盒", "18.5000", drug=True),
        _b("布洛芬缓释胶囊", "0.3g*20粒", "盒", "19.4000", drug=True),
        _b("头孢克肟分散片", "0.1g*6片", "盒", "26.8000", drug=True),
        _b("奥美拉唑肠溶胶囊", "20mg*14粒", "盒", "12.6000", drug=True),
        _b("盐酸二甲双胍缓释片", "0.5g*30片", "盒", "15.3000", drug=True),
        _b("苯磺酸氨氯地平片", "5mg*7片", "盒", "9.8600", drug=True),
        _b("阿托伐他汀钙片", "20mg*7片", "盒", "38.5200", drug=True),
        _b("盐酸左氧氟沙星片", "0.5g*4片", "盒", "22.4000", drug=True),
        _b("氯雷他定片", "10mg*6片", "盒", "16.2000", drug=True),
        _b("蒙脱石散", "3g*10袋", "盒", "14.8000", drug=True),
        _b("0.9%氯化钠注射液", "100ml:0.9g", "袋", "3.8500", drug=True),
        _b("5%葡萄糖注射液", "250ml:12.5g", "瓶", "4.2000", drug=True),
        _b("注射用头孢曲松钠", "1.0g", "支", "8.9375", drug=True),
        _b("精蛋白生物合成人胰岛素注射液", "3ml:300单位", "支", "68.3200", drug=True),
        _b("硝苯地平控释片", "30mg*7片", "盒", "32.7600", drug=True),
        _b("复方甘草片", "100片", "片", "0.0560", drug=True),
    ),
    Pool.PATENT: (
        _b("连花清瘟胶囊", "0.35g*24粒", "盒", "14.8000", drug=True),
        _b("复方丹参滴丸", "27mg*180丸", "瓶", "26.5000", drug=True),
        _b("藿香正气水", "10ml*10支", "盒", "12.0000", drug=True),
        _b("六味地黄丸", "200丸", "瓶", "18.0000", drug=True),
        _b("板蓝根颗粒", "10g*20袋", "包", "15.0000", drug=True),
        _b("蒲地蓝消炎片", "0.3g*48片", "盒", "23.6000", drug=True),
        _b("麝香保心丸", "22.5mg*42丸", "盒", "44.8800", drug=True),
        _b("云南白药气雾剂", "85g+30g", "瓶", "39.0000", drug=True),
    ),
    Pool.HERBAL: (
        _b("黄芪", "饮片", "g", "0.1860", drug=True),
        _b("当归", "饮片", "g", "0.4520", drug=True),
        _b("党参", "饮片", "g", "0.3800", drug=True),
        _b("炒白术", "饮片", "g", "0.2150", drug=True),
        _b("茯苓", "饮片", "g", "0.1320", drug=True),
        _b("炙甘草", "饮片", "g", "0.0980", drug=True),
        _b("川芎", "饮片", "g", "0.2660", drug=True),
        _b("白芍", "饮片", "g", "0.1450", drug=True),
        _b("熟地黄", "饮片", "g", "0.1720", drug=True),
        _b("陈皮", "饮片", "g", "0.0860", drug=True),
        _b("法半夏", "饮片", "g", "0.6250", drug=True),
        _b("柴胡", "饮片", "g", "0.5800", drug=True),
        _b("黄芩", "饮片", "g", "0.2480", drug=True),
        _b("金银花", "饮片", "g", "0.7200", drug=True),
        _b("连翘", "饮片", "g", "0.3350", drug=True),
        _b("桔梗", "饮片", "g", "0.1900", drug=True),
        _b("枸杞子", "饮片", "g", "0.4600", drug=True),
        _b("丹参", "饮片", "g", "0.1530", drug=True),
        _b("炒酸枣仁", "饮片", "g", "1.2800", drug=True),
        _b("大枣", "饮片", "g", "0.0650", drug=True),
        _b("麦冬", "配方颗粒 1g相当于饮片5g", "g", "0.5333", drug=True),
        _b("五味子", "配方颗粒 1g相当于饮片6g", "g", "0.6817", drug=True),
    ),
    Pool.LAB: (
        _b("血常规（五分类）", "全血", "次", "25.0000"),
        _b("C反应蛋白测定", "血清", "项", "55.0000"),
        _b("肝功能八项", "血清", "项", "68.0000"),
        _b("肾功能三项", "血清", "项", "30.0000"),
        _b("血脂四项", "血清", "项", "40.0000"),
        _b("空腹血糖测定", "血清", "项", "8.0000"),
        _b("糖化血红蛋白测定", "全血", "项", "75.0000"),
        _b("尿常规", "尿液", "次", "12.0000"),
        _b("大便常规+隐血", "粪便", "次", "15.0000"),
        _b("甲状腺功能五项", "血清", "项", "150.0000"),
        _b("新型冠状病毒核酸检测", "咽拭子", "人次", "16.0000"),
        _b("乙型肝炎病毒表面抗原定量", "血清", "项", "20.0000"),
    ),
    Pool.EXAM: (
        _b("胸部正位DR", "1个部位", "次", "90.0000"),
        _b("腹部彩色多普勒超声", "肝胆胰脾", "次", "160.0000"),
        _b("头颅CT平扫", "64排", "次", "260.0000"),
        _b("常规心电图检查", "十二导联", "次", "25.0000"),
        _b("电子胃镜检查", "无痛", "次", "380.0000"),
        _b("腰椎MRI平扫", "1.5T", "次", "580.0000"),
        _b("骨密度测定", "双能X线", "次", "120.0000"),
    ),
    Pool.TREATMENT: (
        _b("静脉输液", "第一组", "次", "12.0000"),
        _b("肌肉注射", "", "次", "3.5000"),
        _b("雾化吸入", "超声", "次", "8.0000"),
        _b("普通针刺", "", "次", "25.0000"),
        _b("推拿治疗", "30分钟", "次", "40.0000"),
        _b("换药（小）", "", "次", "15.0000"),
        _b("清创缝合术", "5cm以内", "次", "120.0000"),
        _b("中药代煎", "每剂", "剂", "3.0000"),
    ),
    Pool.MATERIAL: (
        _b("一次性使用输液器", "带针", "套", "3.2000"),
        _b("医用棉签", "10支/包", "包", "1.5000"),
        _b("一次性使用无菌注射器", "5ml", "支", "0.6500"),
        _b("医用外科口罩", "独立包装", "个", "0.8000"),
        _b("弹性绷带", "7.5cm*4.5m", "卷", "12.8000"),
    ),
    Pool.CONSULTATION: (
        _b("普通门诊诊查费", "", "次", "10.0000"),
        _b("副主任医师门诊诊查费", "", "次", "30.0000"),
        _b("主任医师门诊诊查费", "", "次", "50.0000"),
        _b("药事服务费", "", "次", "11.0000"),
        _b("挂号费", "", "次", "0.0000"),
    ),
}

# Forty fee categories (费用分类) as HIS systems name them, each with the pool it bills from.
FEE_CATEGORIES: tuple[tuple[str, Pool], ...] = (
    ("西药费", Pool.WESTERN),
    ("中成药费", Pool.PATENT),
    ("中草药费", Pool.HERBAL),
    ("检验费", Pool.LAB),
    ("检查费", Pool.EXAM),
    ("治疗费", Pool.TREATMENT),
    ("手术费", Pool.TREATMENT),
    ("材料费", Pool.MATERIAL),
    ("诊查费", Pool.CONSULTATION),
    ("挂号费", Pool.CONSULTATION),
    ("护理费", Pool.TREATMENT),
    ("床位费", Pool.TREATMENT),
    ("放射费", Pool.EXAM),
    ("CT费", Pool.EXAM),
    ("磁共振费", Pool.EXAM),
    ("B超费", Pool.EXAM),
    ("心电图费", Pool.EXAM),
    ("化验费", Pool.LAB),
    ("输血费", Pool.TREATMENT),
    ("输氧费", Pool.TREATMENT),
    ("麻醉费", Pool.TREATMENT),
    ("理疗费", Pool.TREATMENT),
    ("针灸费", Pool.TREATMENT),
    ("推拿费", Pool.TREATMENT),
    ("注射费", Pool.TREATMENT),
    ("换药费", Pool.TREATMENT),
    ("康复治疗费", Pool.TREATMENT),
    ("口腔治疗费", Pool.TREATMENT),
    ("眼科检查费", Pool.EXAM),
    ("病理费", Pool.LAB),
    ("内镜检查费", Pool.EXAM),
    ("卫生材料费", Pool.MATERIAL),
    ("一般诊疗费", Pool.CONSULTATION),
    ("药事服务费", Pool.CONSULTATION),
    ("煎药费", Pool.TREATMENT),
    ("静脉输液费", Pool.TREATMENT),
    ("雾化吸入费", Pool.TREATMENT),
    ("中医辨证论治费", Pool.CONSULTATION),
    ("体检费", Pool.LAB),
    ("其他费", Pool.MATERIAL),
)
assert len(FEE_CATEGORIES) == 40 and len({name for name, _ in FEE_CATEGORIES}) == 40

HERBAL_CATEGORY = "中草药费"
# The decoction fee (代煎费) line of a herbal prescription: charged per dose (剂).
DECOCTION_FEE = _b("代煎费", "每剂", "剂", "3.0000")

# Recipe (处方号) prefixes by pool: R 西药处方, Z 中药处方, J 检验申请, C 检查申请, T 治疗单.
RECIPE_PREFIXES: dict[Pool, str] = {
    Pool.WESTERN: "R",
    Pool.PATENT: "R",
    Pool.HERBAL: "Z",
    Pool.LAB: "J",
    Pool.EXAM: "C",
    Pool.TREATMENT: "T",
    Pool.MATERIAL: "T",
    Pool.CONSULTATION: "G",
}

# What the receipt says about each pool: the item class (Type) and where to go (PhaWin).
RECEIPT_PLACES: dict[Pool, tuple[str, tuple[str, ...]]] = {
    Pool.WESTERN: ("西药", ("西药房1号窗口", "西药房3号窗口", "门诊药房")),
    Pool.PATENT: ("中成药", ("中药房2号窗口", "门诊药房")),
    Pool.HERBAL: ("中草药", ("中药房", "煎药室")),
    Pool.LAB: ("检验", ("检验科", "门诊采血处")),
    Pool.EXAM: ("检查", ("放射科", "超声科", "内镜中心", "心电图室")),
    Pool.TREATMENT: ("治疗", ("门诊治疗室", "注射室", "针灸推拿科")),
    Pool.MATERIAL: ("材料", ("门诊治疗室",)),
    Pool.CONSULTATION: ("诊查", ("门诊收费处",)),
}

SURNAMES = tuple(
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭".split()
    + "曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石".split()
    + "廖 贾 夏 韦 方 邹 覃".split()
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "慕容", "令狐", "司徒")
GIVEN_NAMES = tuple(
    "伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 华 建国 志强".split()
    + "子涵 梓萱 浩宇 欣怡 一诺 雨泽 思远 晓东 嘉怡 俊杰 明华 丽萍 国庆 卫东 红梅 海燕 文博 宇轩".split()
)
# Characters that break GBK columns, MySQL utf8 (3-byte) columns and UTF-16 code that counts code
# units: 𠀀 and 𪚥 are outside the BMP (CJK Extension B), 䶮 is in Extension A (刘䶮), 龘 is rare but BMP.
RARE_NAME_CHARACTERS = (
    "𠀀",
    "䶮",
    "龘",
    "𪚥",
    "𡘙",
    "堃",
    "喆",
    "淼",
    "犇",
    "玥",
    "珺",
    "翀",
    "垚",
    "𬌗",
    "鿏",
)
# Names of ethnic minorities are written with a middle dot and can be long.
DOTTED_NAMES = ("买买提·艾力", "阿卜杜拉·艾买提", "迪丽热巴·迪力木拉提", "扎西·顿珠", "古丽娜尔·吐尔逊")

DEPARTMENTS = tuple(
    "呼吸内科 消化内科 心血管内科 神经内科 内分泌科 肾内科 普通外科 骨科 泌尿外科 神经外科 妇科".split()
    + "产科 儿科 眼科 耳鼻咽喉科 口腔科 皮肤科 中医科 针灸推拿科 康复医学科 急诊科 感染科 肿瘤科".split()
    + "精神心理科 全科医学科 发热门诊 中医内科（名医工作室）".split()
)

INSURED_FEE_TYPES = ("医保", "职工医保", "居民医保", "省医保", "异地医保", "公费")
SELF_PAY_FEE_TYPE = "自费"
INSURED_TREATMENTS = (
    "广州市职工医保",
    "广州市居民医保",
    "广东省直医保",
    "异地就医直接结算",
    "生育保险",
    "工伤保险",
    "离休干部",
)
SELF_PAY_TREATMENTS = ("普通自费", "自费", "外籍自费", "")
SEXES = ("男", "女")
ODD_SEXES = ("未知", "1", "2", "")
BILL_STATUSES = ("TB", "0", "未结算")
PAY_WAYS = ("微信支付", "WeChatPay", "1")
REMARKS = (
    "",
    "空腹抽血",
    "饭后服用",
    "一日三次，每次一片",
    "需皮试",
    "孕妇慎用",
    "代煎，每日一剂，分两次温服",
)
HOSPITALS = (
    ("广州市示例人民医院", "广州市越秀区示例路1号", "020-12345678"),
    ("广东省示例中医院", "广州市天河区示例大道88号", "020-87654321"),
    ("示例大学附属第一医院", "广州市海珠区示例街3号之一", "(020)83888888"),
)
