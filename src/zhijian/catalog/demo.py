"""Demo catalog: a category tree over the four fronts, 40 real standards, 56 enterprises, 300+ products,
labs, regulators, the association and a user for every role (password: zhijian-demo)."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.catalog import rules, service
from zhijian.catalog.models import Category, Organization, Product, Standard
from zhijian.catalog.schemas import CategoryIn, IndicatorIn, OrganizationIn, ProductIn, StandardIn, UserIn
from zhijian.platform.auth import SYSTEM
from zhijian.platform.identity.models import User

DEMO_PASSWORD = "zhijian-demo"

# code, name, name_en, requires_ccc, parents before their children; a category's parent is its code without the
# last "-" part (FOOD-DAIRY-INF under FOOD-DAIRY, FOOD at the root)
CATEGORIES: list[tuple[str, str, str, bool]] = [
    ("FOOD", "食品", "Food", False),
    ("FOOD-DAIRY", "乳制品", "Dairy products", False),
    ("FOOD-DAIRY-INF", "婴幼儿配方奶粉", "Infant formula milk powder", False),
    ("FOOD-DAIRY-LIQ", "液体乳", "Liquid milk", False),
    ("FOOD-GRAIN", "粮食加工品", "Grain products", False),
    ("FOOD-GRAIN-RICE", "大米", "Rice", False),
    ("FOOD-GRAIN-FLOUR", "小麦粉", "Wheat flour", False),
    ("FOOD-OIL", "食用植物油", "Edible vegetable oil", False),
    ("FOOD-SEAS", "调味品", "Condiments", False),
    ("FOOD-SEAS-SOY", "酱油", "Soy sauce", False),
    ("FOOD-SEAS-VIN", "食醋", "Vinegar", False),
    ("FOOD-DRINK", "饮料", "Beverages", False),
    ("FOOD-DRINK-WATER", "包装饮用水", "Packaged drinking water", False),
    ("FOOD-LIQUOR", "白酒", "Baijiu (distilled liquor)", False),
    ("FOOD-TEA", "茶叶", "Tea", False),
    ("DRUG", "药品", "Drugs", False),
    ("DRUG-CHEM", "化学药品制剂", "Chemical drug preparations", False),
    ("DRUG-TCM", "中成药", "Chinese patent medicines", False),
    ("DRUG-MASK", "医用口罩", "Medical masks", False),
    ("SE", "特种设备", "Special equipment", False),
    ("SE-ELEV", "电梯", "Elevators", False),
    ("SE-CYL", "气瓶", "Gas cylinders", False),
    ("SE-PV", "压力容器", "Pressure vessels", False),
    ("SE-BOIL", "锅炉", "Boilers", False),
    ("IND", "工业产品", "Industrial products", False),
    ("IND-APPL", "家用电器", "Household appliances", True),
    ("IND-APPL-KETTLE", "电热水壶", "Electric kettles", True),
    ("IND-APPL-FRIDGE", "电冰箱", "Refrigerators", True),
    ("IND-APPL-DRYER", "电吹风", "Hair dryers", True),
    ("IND-CABLE", "电线电缆", "Wires and cables", True),
    ("IND-PLUG", "插头插座", "Plugs and sockets", True),
    ("IND-CHILD", "儿童用品", "Children's products", False),
    ("IND-CHILD-TOY", "儿童玩具", "Toys", True),
    ("IND-CHILD-CART", "童车", "Children's carriages", True),
    ("IND-CHILD-TEX", "婴幼儿及儿童纺织产品", "Children's textiles", False),
    ("IND-TEX", "纺织服装", "Textiles and garments", False),
    ("IND-BUILD", "建筑材料", "Building materials", False),
    ("IND-BUILD-CEMENT", "水泥", "Cement", False),
    ("IND-BUILD-TILE", "陶瓷砖", "Ceramic tiles", False),
    ("IND-EBIKE", "电动自行车", "Electric bicycles", True),
    ("IND-GAS", "家用燃气灶具", "Domestic gas cookers", False),
]


def ensure_categories(s: Session, categories: list[tuple[str, str, str, bool]]) -> None:
    made: dict[str, Category] = {}
    for code, name, name_en, ccc in categories:
        parent = made.get(code.rpartition("-")[0])
        cat = s.scalar(select(Category).where(Category.code == code))
        if cat is None:
            cat = service.create_category(s, SYSTEM, CategoryIn(code=code, name=name, name_en=name_en,
                                                                parent_id=parent.id if parent else None,
                                                                requires_ccc=ccc))
        made[code] = cat


def reference_data(s: Session) -> None:
    """Reference data every database needs, demo or not (the platform's ``seed_reference_data`` hook): the four
    category roots (食品, 药品, 特种设备, 工业产品) and their tree. Idempotent."""
    ensure_categories(s, CATEGORIES)


def I(name: str, unit: str, kind: str, text: str, lower: float | None = None, upper: float | None = None,  # noqa: E741,E743,N802
      safety: bool = False, method: str = "", mandatory: bool = True, upper_inclusive: bool = True) -> IndicatorIn:
    return IndicatorIn(name=name, unit=unit, requirement_kind=kind, text=text, lower=lower, upper=upper,
                       is_safety=safety, method_standard=method, mandatory=mandatory, upper_inclusive=upper_inclusive)


# code, title, category code, status, indicators
STANDARDS: list[tuple[str, str, str | None, str, list[IndicatorIn]]] = [
    ("GB 2762-2022", "食品安全国家标准 食品中污染物限量", "FOOD", "current", [
        I("铅(以Pb计)", "mg/kg", "max", "≤0.2", upper=0.2, safety=True, method="GB 5009.12-2017"),
        I("镉(以Cd计)", "mg/kg", "max", "≤0.2", upper=0.2, safety=True, method="GB 5009.15-2014"),
        I("无机砷(以As计)", "mg/kg", "max", "≤0.35", upper=0.35, safety=True, method="GB 5009.11-2014"),
        I("苯并[a]芘", "μg/kg", "max", "≤10", upper=10, safety=True, method="GB 5009.27-2016")]),
    ("GB 2761-2017", "食品安全国家标准 食品中真菌毒素限量", "FOOD", "current", [
        I("黄曲霉毒素B1", "μg/kg", "max", "≤10", upper=10, safety=True, method="GB 5009.22-2016"),
        I("脱氧雪腐镰刀菌烯醇", "μg/kg", "max", "≤1000", upper=1000, safety=True, method="GB 5009.111-2016")]),
    ("GB 2760-2024", "食品安全国家标准 食品添加剂使用标准", "FOOD", "current", [
        I("苯甲酸及其钠盐(以苯甲酸计)", "g/kg", "max", "≤1.0", upper=1.0, safety=True, method="GB 5009.28-2016"),
        I("山梨酸及其钾盐(以山梨酸计)", "g/kg", "max", "≤1.0", upper=1.0, safety=True, method="GB 5009.28-2016"),
        I("糖精钠(以糖精计)", "g/kg", "not_detected", "不得使用", safety=True, method="GB 5009.28-2016")]),
    ("GB 10765-2021", "食品安全国家标准 婴儿配方食品", "FOOD-DAIRY-INF", "current", [
        I("蛋白质", "g/100kJ", "range", "0.43~0.72", lower=0.43, upper=0.72, method="GB 5009.5-2016"),
        I("脂肪", "g/100kJ", "range", "1.05~1.40", lower=1.05, upper=1.40, method="GB 5009.6-2016"),
        I("三聚氰胺", "mg/kg", "max", "≤1", upper=1, safety=True, method="GB/T 22388-2008"),
        I("阪崎克罗诺杆菌", "", "not_detected", "不得检出/100g", safety=True, method="GB 4789.40-2016")]),
    ("GB 25190-2010", "食品安全国家标准 灭菌乳", "FOOD-DAIRY-LIQ", "current", [
        I("蛋白质", "g/100g", "min", "≥2.9", lower=2.9, method="GB 5009.5-2016"),
        I("脂肪", "g/100g", "min", "≥3.1", lower=3.1, method="GB 5009.6-2016"),
        I("非脂乳固体", "g/100g", "min", "≥8.1", lower=8.1, method="GB 5413.39-2010")]),
    ("GB 1354-2018", "大米", "FOOD-GRAIN-RICE", "current", [
        I("碎米总量", "%", "max", "≤15.0", upper=15.0, method="GB/T 5503-2009"),
        I("不完善粒", "%", "max", "≤3.0", upper=3.0, method="GB/T 5494-2019"),
        I("水分", "%", "max", "≤15.5", upper=15.5, method="GB 5009.3-2016")]),
    ("GB/T 1355-2021", "小麦粉", "FOOD-GRAIN-FLOUR", "current", [
        I("灰分(以干基计)", "%", "max", "≤0.70", upper=0.70, method="GB 5009.4-2016"),
        I("水分", "%", "max", "≤14.5", upper=14.5, method="GB 5009.3-2016")]),
    ("GB 2716-2018", "食品安全国家标准 植物油", "FOOD-OIL", "current", [
        I("酸价(以KOH计)", "mg/g", "max", "≤3", upper=3, safety=True, method="GB 5009.229-2016"),
        I("过氧化值", "g/100g", "max", "≤0.25", upper=0.25, safety=True, method="GB 5009.227-2016"),
        I("溶剂残留量", "mg/kg", "max", "≤20", upper=20, safety=True, method="GB 5009.262-2016")]),
    ("GB/T 1536-2021", "菜籽油", "FOOD-OIL", "current", [
        I("色泽", "", "text", "淡黄色至棕红色", method="GB/T 22460-2008", mandatory=False),
        I("水分及挥发物", "%", "max", "≤0.10", upper=0.10, method="GB 5009.236-2016")]),
    ("GB 2717-2018", "食品安全国家标准 酱油", "FOOD-SEAS-SOY", "current", [
        I("氨基酸态氮", "g/100mL", "min", "≥0.4", lower=0.4, method="GB 5009.235-2016"),
        # GB 2717-2018 表3 微生物限量: a GB 4789.1 three-class plan (not "≤5×10⁴", which is M)
        I("菌落总数", "CFU/mL", "text", "n=5, c=2, m=5×10³, M=5×10⁴", safety=True, method="GB 4789.2-2022"),
        I("大肠菌群", "CFU/mL", "text", "n=5, c=2, m=10, M=10²", safety=True, method="GB 4789.3-2016")]),
    # GB 19645-2010 巴氏杀菌乳 4.5 微生物限量 (GB 4789.1 sampling plans; results in CFU/g or CFU/mL)
    ("GB 19645-2010", "食品安全国家标准 巴氏杀菌乳", "FOOD-DAIRY-LIQ", "current", [
        I("蛋白质", "g/100g", "min", "≥2.9", lower=2.9, method="GB 5009.5-2016"),
        I("菌落总数", "CFU/mL", "text", "n=5, c=2, m=50000, M=100000", safety=True, method="GB 4789.2-2022"),
        I("大肠菌群", "CFU/mL", "text", "n=5, c=2, m=1, M=5", safety=True, method="GB 4789.3-2016"),
        I("沙门氏菌", "/25mL", "text", "n=5, c=0, m=0", safety=True, method="GB 4789.4-2016")]),
    # GB 19295-2021 速冻面米与调制食品 微生物限量 (熟制品): GB 4789.1 three-class plans. Unconfirmed: these
    # values (and GB 2717's 大肠菌群 plan above) could not be checked against the standards' text here.
    ("GB 19295-2021", "食品安全国家标准 速冻面米与调制食品", "FOOD", "current", [
        I("菌落总数(熟制品)", "CFU/g", "text", "n=5, c=2, m=10⁴, M=10⁵", safety=True, method="GB 4789.2-2022"),
        I("大肠菌群(熟制品)", "CFU/g", "text", "n=5, c=2, m=10, M=10²", safety=True, method="GB 4789.3-2016")]),
    ("GB/T 18186-2000", "酿造酱油", "FOOD-SEAS-SOY", "current", [
        I("可溶性无盐固形物", "g/100mL", "min", "≥20.00", lower=20.0, method="GB/T 18186-2000"),
        I("全氮(以氮计)", "g/100mL", "min", "≥1.60", lower=1.60, method="GB/T 18186-2000")]),
    ("GB 2719-2018", "食品安全国家标准 食醋", "FOOD-SEAS-VIN", "current", [
        I("总酸(以乙酸计)", "g/100mL", "min", "≥3.5", lower=3.5, method="GB 5009.235-2016")]),
    ("GB 19298-2014", "食品安全国家标准 包装饮用水", "FOOD-DRINK-WATER", "current", [
        I("余氯(游离氯)", "mg/L", "max", "≤0.05", upper=0.05, safety=True, method="GB/T 5750.11-2023"),
        I("溴酸盐", "mg/L", "max", "≤0.01", upper=0.01, safety=True, method="GB 8538-2022"),
        I("铜绿假单胞菌", "CFU/250mL", "not_detected", "不得检出", safety=True, method="GB 8538-2022")]),
    ("GB 5749-2022", "生活饮用水卫生标准", "FOOD-DRINK-WATER", "current", [
        I("硝酸盐(以N计)", "mg/L", "max", "≤10", upper=10, safety=True, method="GB/T 5750.5-2023"),
        I("浑浊度", "NTU", "max", "≤1", upper=1, method="GB/T 5750.4-2023"),
        I("pH", "", "range", "6.5~8.5", lower=6.5, upper=8.5, method="GB/T 5750.4-2023")]),
    ("GB 2757-2012", "食品安全国家标准 蒸馏酒及其配制酒", "FOOD-LIQUOR", "current", [
        I("甲醇", "g/L", "max", "≤0.6", upper=0.6, safety=True, method="GB 5009.266-2016"),
        I("氰化物(以HCN计)", "mg/L", "max", "≤8.0", upper=8.0, safety=True, method="GB 5009.36-2016")]),
    ("GB/T 10781.1-2021", "白酒质量要求 第1部分：浓香型白酒", "FOOD-LIQUOR", "current", [
        I("酒精度", "%vol", "range", "40~68", lower=40, upper=68, method="GB 5009.225-2016"),
        I("总酸(以乙酸计)", "g/L", "min", "≥0.40", lower=0.40, method="GB/T 10345-2022")]),
    ("GB 2763-2021", "食品安全国家标准 食品中农药最大残留限量", "FOOD-TEA", "current", [
        I("草甘膦", "mg/kg", "max", "≤1", upper=1, safety=True, method="SN/T 1923-2007"),
        I("联苯菊酯", "mg/kg", "max", "≤5", upper=5, safety=True, method="GB 23200.113-2018"),
        I("水胺硫磷", "mg/kg", "max", "≤0.05", upper=0.05, safety=True, method="GB 23200.113-2018")]),
    ("GB 19083-2023", "医用防护口罩", "DRUG-MASK", "current", [
        I("过滤效率(非油性颗粒)", "%", "min", "≥95", lower=95, safety=True, method="GB 19083-2023"),
        I("吸气阻力", "Pa", "max", "≤343.2", upper=343.2, method="GB 19083-2023")]),
    ("YY 0469-2011", "医用外科口罩", "DRUG-MASK", "current", [
        I("细菌过滤效率", "%", "min", "≥95", lower=95, safety=True, method="YY 0469-2011"),
        I("环氧乙烷残留量", "μg/g", "max", "≤10", upper=10, safety=True, method="GB/T 14233.1-2022")]),
    ("中国药典2020年版 四部 通则0104", "制剂通则 片剂（崩解时限、重量差异）", "DRUG-CHEM", "current", [
        I("崩解时限", "min", "max", "≤15", upper=15, method="中国药典通则0921"),
        I("含量", "%", "range", "95.0~105.0", lower=95.0, upper=105.0, safety=True, method="中国药典")]),
    ("中国药典2020年版 一部 通则0188", "中药制剂 重金属及有害元素", "DRUG-TCM", "current", [
        I("铅", "mg/kg", "max", "≤5", upper=5, safety=True, method="中国药典通则2321"),
        I("镉", "mg/kg", "max", "≤1", upper=1, safety=True, method="中国药典通则2321")]),
    ("GB/T 7588.1-2020", "电梯制造与安装安全规范 第1部分：乘客电梯和载货电梯", "SE-ELEV", "current", [
        I("轿厢超载保护", "", "text", "超载时应阻止电梯正常启动并发出信号", safety=True, method="TSG T7001-2023"),
        I("平层准确度", "mm", "range", "-10~10", lower=-10, upper=10, method="GB/T 10059-2023")]),
    ("TSG T7001-2023", "电梯监督检验和定期检验规则", "SE-ELEV", "current", [
        I("制动器动作", "", "text", "制动器动作灵活，制动可靠", safety=True, method="TSG T7001-2023")]),
    ("GB/T 5099.1-2017", "钢质无缝气瓶 第1部分：淬火后回火处理的抗拉强度小于1100MPa的钢瓶", "SE-CYL", "current", [
        I("水压试验压力下容积残余变形率", "%", "max", "≤5", upper=5, safety=True, method="GB/T 9251-2022"),
        I("抗拉强度", "MPa", "max", "<1100", upper=1100, safety=True, method="GB/T 228.1-2021", upper_inclusive=False)]),
    ("GB/T 150.1-2024", "压力容器 第1部分：通用要求", "SE-PV", "current", [
        I("耐压试验", "", "text", "无渗漏、无可见变形、无异常响声", safety=True, method="GB/T 150.4-2024")]),
    ("TSG 11-2020", "锅炉安全技术规程", "SE-BOIL", "current", [
        I("安全阀整定压力偏差", "%", "max", "≤3", upper=3, safety=True, method="TSG ZF001-2006")]),
    ("GB 4706.1-2005", "家用和类似用途电器的安全 第1部分：通用要求", "IND-APPL", "current", [
        I("泄漏电流", "mA", "max", "≤0.75", upper=0.75, safety=True, method="GB 4706.1-2005 第13章"),
        I("接地电阻", "Ω", "max", "≤0.1", upper=0.1, safety=True, method="GB 4706.1-2005 第27章"),
        I("对触及带电部件的防护", "", "text", "应符合第8章要求", safety=True, method="GB 4706.1-2005 第8章")]),
    ("GB 4706.19-2008", "家用和类似用途电器的安全 液体加热器的特殊要求", "IND-APPL-KETTLE", "current", [
        I("输入功率偏差", "%", "range", "-10~5", lower=-10, upper=5, method="GB 4706.19-2008 第10章"),
        I("发热(手柄温升)", "K", "max", "≤35", upper=35, safety=True, method="GB 4706.19-2008 第11章")]),
    ("GB 12021.2-2015", "家用电冰箱耗电量限定值及能效等级", "IND-APPL-FRIDGE", "current", [
        I("能效指数", "%", "max", "≤80", upper=80, method="GB 12021.2-2015")]),
    ("GB 4706.15-2008", "家用和类似用途电器的安全 皮肤及毛发护理器具的特殊要求", "IND-APPL-DRYER", "current", [
        I("出风口温度", "℃", "max", "≤115", upper=115, safety=True, method="GB 4706.15-2008")]),
    ("GB/T 5023.3-2008", "额定电压450/750V及以下聚氯乙烯绝缘电缆 第3部分：固定布线用无护套电缆", "IND-CABLE", "current", [
        I("导体电阻(20℃, 2.5mm²)", "Ω/km", "max", "≤7.41", upper=7.41, safety=True, method="GB/T 3048.4-2007"),
        I("绝缘平均厚度(2.5mm²)", "mm", "min", "≥0.8", lower=0.8, safety=True, method="GB/T 2951.11-2008")]),
    ("GB/T 2099.1-2021", "家用和类似用途插头插座 第1部分：通用要求", "IND-PLUG", "current", [
        I("拔出插头所需的力(最大)", "N", "max", "≤40", upper=40, method="GB/T 2099.1-2021 第22章"),
        I("耐热(球压试验压痕直径)", "mm", "max", "≤2", upper=2, safety=True, method="GB/T 2099.1-2021 第25章")]),
    ("GB 6675.4-2014", "玩具安全 第4部分：特定元素的迁移", "IND-CHILD-TOY", "current", [
        I("可迁移元素 铅", "mg/kg", "max", "≤90", upper=90, safety=True, method="GB 6675.4-2014"),
        I("可迁移元素 镉", "mg/kg", "max", "≤75", upper=75, safety=True, method="GB 6675.4-2014")]),
    ("GB 6675.2-2014", "玩具安全 第2部分：机械与物理性能", "IND-CHILD-TOY", "current", [
        I("小零件", "", "text", "供36个月以下儿童使用的玩具不应有小零件", safety=True, method="GB 6675.2-2014")]),
    ("GB 14748-2006", "儿童推车安全要求", "IND-CHILD-CART", "current", [
        I("制动性能(斜面9°)", "", "text", "制动后车轮不应转动", safety=True, method="GB 14748-2006"),
        I("锁紧装置开启力", "N", "min", "≥50", lower=50, safety=True, method="GB 14748-2006")]),
    ("GB 31701-2015", "婴幼儿及儿童纺织产品安全技术规范", "IND-CHILD-TEX", "current", [
        I("甲醛含量(A类)", "mg/kg", "max", "≤20", upper=20, safety=True, method="GB/T 2912.1-2009"),
        I("pH值(A类)", "", "range", "4.0~7.5", lower=4.0, upper=7.5, method="GB/T 7573-2009")]),
    ("GB 18401-2010", "国家纺织产品基本安全技术规范", "IND-TEX", "current", [
        I("甲醛含量(B类)", "mg/kg", "max", "≤75", upper=75, safety=True, method="GB/T 2912.1-2009"),
        I("可分解致癌芳香胺染料", "mg/kg", "not_detected", "禁用(≤20)", upper=20, safety=True, method="GB/T 17592-2011")]),
    ("GB 175-2023", "通用硅酸盐水泥", "IND-BUILD-CEMENT", "current", [
        I("3d抗压强度(42.5级)", "MPa", "min", "≥17.0", lower=17.0, method="GB/T 17671-2021"),
        I("氧化镁", "%", "max", "≤5.0", upper=5.0, method="GB/T 176-2017"),
        I("三氧化硫", "%", "max", "≤3.5", upper=3.5, method="GB/T 176-2017")]),
    ("GB/T 4100-2015", "陶瓷砖", "IND-BUILD-TILE", "current", [
        I("吸水率(瓷质砖)", "%", "max", "≤0.5", upper=0.5, method="GB/T 3810.3-2016")]),
    ("GB 17761-2024", "电动自行车安全技术规范", "IND-EBIKE", "current", [
        I("最高设计车速", "km/h", "max", "≤25", upper=25, safety=True, method="GB 17761-2024"),
        I("整车质量(含电池)", "kg", "max", "≤63", upper=63, method="GB 17761-2024")]),
    ("GB 16410-2020", "家用燃气灶具", "IND-GAS", "current", [
        I("热效率(大气式)", "%", "min", "≥55", lower=55, method="GB 16410-2020"),
        I("干烟气中CO浓度(α=1)", "%", "max", "≤0.05", upper=0.05, safety=True, method="GB 16410-2020")]),
    ("GB 2763-2019", "食品安全国家标准 食品中农药最大残留限量(2019版)", "FOOD", "abolished", [
        I("草甘膦", "mg/kg", "max", "≤1", upper=1, safety=True)]),
    ("T/CAQI 29-2017", "家用和类似用途饮用水处理装置", "IND-APPL", "current", [
        I("净水流量", "L/min", "min", "≥1.0", lower=1.0, mandatory=False)]),
]

PROVINCES = ["110105", "120116", "130100", "310115", "320505", "320200", "330106", "330782", "330200", "340100",
             "350582", "370200", "410100", "420100", "430100", "440305", "440606", "441900", "500103", "510100",
             "610100", "210200"]
SURNAMES = ["华", "鼎", "恒", "康", "瑞", "佳", "美", "新", "宏", "安", "福", "金", "绿", "优", "天", "长", "蓝", "雅"]
SECOND = ["泰", "源", "达", "盛", "和", "德", "丰", "信", "润", "诚", "禾", "远", "科", "力", "嘉", "明"]
TRADE: dict[str, str] = {  # 字号后的行业用语 per category: an enterprise's name says what it makes (issue 21)
    "FOOD-DAIRY-INF": "乳业", "FOOD-DAIRY-LIQ": "乳业", "FOOD-GRAIN-RICE": "米业", "FOOD-GRAIN-FLOUR": "面业",
    "FOOD-OIL": "粮油", "FOOD-SEAS-SOY": "调味食品", "FOOD-SEAS-VIN": "醋业", "FOOD-DRINK-WATER": "饮品",
    "FOOD-LIQUOR": "酒业", "FOOD-TEA": "茶业", "DRUG-CHEM": "制药", "DRUG-TCM": "中药", "DRUG-MASK": "医疗用品",
    "SE-ELEV": "电梯", "SE-CYL": "气瓶", "SE-PV": "压力容器", "SE-BOIL": "锅炉", "IND-APPL-KETTLE": "电器",
    "IND-APPL-FRIDGE": "电器", "IND-APPL-DRYER": "电器", "IND-CABLE": "电缆", "IND-PLUG": "电工",
    "IND-CHILD-TOY": "玩具", "IND-CHILD-CART": "童车", "IND-CHILD-TEX": "童装", "IND-TEX": "服饰",
    "IND-BUILD-CEMENT": "水泥", "IND-BUILD-TILE": "陶瓷", "IND-EBIKE": "车业", "IND-GAS": "燃气具",
}
PRODUCT_NAMES: dict[str, list[tuple[str, list[str]]]] = {
    "FOOD-DAIRY-INF": [("婴幼儿配方奶粉(1段)", ["800g", "400g"]), ("较大婴儿配方奶粉(2段)", ["800g"]),
                       ("幼儿配方奶粉(3段)", ["900g", "1.2kg"])],
    "FOOD-DAIRY-LIQ": [("纯牛奶", ["250mL×12", "1L"]), ("高钙灭菌乳", ["200mL×24"])],
    "FOOD-GRAIN-RICE": [("东北大米", ["5kg", "10kg"]), ("长粒香米", ["5kg"])],
    "FOOD-GRAIN-FLOUR": [("高筋小麦粉", ["2.5kg", "5kg"]), ("饺子粉", ["1kg"])],
    "FOOD-OIL": [("一级大豆油", ["5L"]), ("压榨菜籽油", ["5L", "1.8L"]), ("花生油", ["5L"])],
    "FOOD-SEAS-SOY": [("特级酿造酱油", ["500mL", "1.9L"]), ("生抽", ["500mL"])],
    "FOOD-SEAS-VIN": [("陈醋", ["500mL"]), ("香醋", ["500mL"])],
    "FOOD-DRINK-WATER": [("饮用纯净水", ["550mL", "4.5L"]), ("饮用天然矿泉水", ["550mL"])],
    "FOOD-LIQUOR": [("浓香型白酒 52%vol", ["500mL"]), ("清香型白酒 42%vol", ["500mL"])],
    "FOOD-TEA": [("绿茶(龙井)", ["250g"]), ("红茶", ["200g"])],
    "DRUG-CHEM": [("阿莫西林胶囊", ["0.25g×24粒"]), ("布洛芬缓释胶囊", ["0.3g×20粒"])],
    "DRUG-TCM": [("板蓝根颗粒", ["10g×20袋"]), ("六味地黄丸", ["200丸"])],
    "DRUG-MASK": [("医用外科口罩", ["17.5cm×9.5cm"]), ("医用防护口罩", ["KN95 折叠式"])],
    "SE-ELEV": [("曳引式乘客电梯", ["1000kg 1.75m/s", "1350kg 2.5m/s"])],
    "SE-CYL": [("钢质无缝气瓶", ["40L 15MPa"]), ("液化石油气钢瓶", ["YSP35.5"])],
    "SE-PV": [("储气罐", ["1m³ 0.8MPa"])],
    "SE-BOIL": [("燃气热水锅炉", ["WNS2.8-1.0/115/70-Q"])],
    "IND-APPL-KETTLE": [("电热水壶", ["1.7L 1800W", "1.5L 1500W"])],
    "IND-APPL-FRIDGE": [("三门冰箱", ["BCD-256WT"]), ("对开门冰箱", ["BCD-598WK"])],
    "IND-APPL-DRYER": [("电吹风", ["1800W", "2200W"])],
    "IND-CABLE": [("聚氯乙烯绝缘电缆 BV", ["2.5mm²", "4mm²"]), ("铜芯软线 BVR", ["1.5mm²"])],
    "IND-PLUG": [("五孔插座", ["10A 250V"]), ("转换器", ["16A 4位"])],
    "IND-CHILD-TOY": [("塑胶积木", ["120粒"]), ("毛绒玩具", ["30cm"])],
    "IND-CHILD-CART": [("婴儿推车", ["可折叠"]), ("儿童三轮车", ["3-6岁"])],
    "IND-CHILD-TEX": [("婴儿连体衣", ["73cm"]), ("儿童T恤", ["110cm"])],
    "IND-TEX": [("男士衬衫", ["170/88A"]), ("床上用品四件套", ["1.8m"])],
    "IND-BUILD-CEMENT": [("普通硅酸盐水泥", ["P·O 42.5"])],
    "IND-BUILD-TILE": [("瓷质抛光砖", ["800×800mm"])],
    "IND-EBIKE": [("电动自行车", ["TDT-1025Z", "TDR-2086Z"])],
    "IND-GAS": [("嵌入式燃气灶", ["JZT-2E", "JZY-3B"])],
}
BRANDS = ["康宝", "优贝", "金穗", "福临", "润泽", "瑞达", "天工", "绿源", "安康", "美家", "长盛", "嘉禾", "鼎力",
          "华远", "蓝海", "恒通", "佳品", "雅韵"]


def _ensure_org(s: Session, data: OrganizationIn) -> Organization:
    existing = s.scalar(select(Organization).where(Organization.name == data.name))
    return existing or service.create_organization(s, SYSTEM, data)


def _ensure_user(s: Session, username: str, role: str, org: Organization | None, display: str) -> None:
    if s.scalar(select(User.id).where(User.username == username)) is None:
        service.create_user(s, SYSTEM, UserIn(username=username, password=DEMO_PASSWORD, role=role,
                                              organization_id=org.id if org else None, display_name=display))


def _uscc(rng: random.Random, region: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + region + "".join(rng.choice(alphabet) for _ in range(9))
    return body + rules.uscc_check_character(body)


def demo_organization(s: Session, rng: random.Random, kind: str, name: str, region: str,
                      **fields: Any) -> Organization:
    """A demo organization found by its name and kind, else created through the service: an enterprise with a valid
    统一社会信用代码 of its region, a lab with a CMA number (资质认定), `fields` as given — the one way the rooms'
    demos add the organizations they need (randomness is drawn only when one is created, so a re-run is idempotent)."""
    org = s.scalar(select(Organization).where(Organization.name == name, Organization.kind == kind))
    if org is not None:
        return org
    uscc = _uscc(rng, region) if kind == "enterprise" else None
    if kind == "lab":
        fields["cma_number"] = f"CMA{rng.randrange(10**8, 10**9)}"
    return service.create_organization(s, SYSTEM, OrganizationIn(kind=kind, name=name, uscc=uscc, region_code=region,
                                                                 **fields))


def _gtin(rng: random.Random) -> str:
    body = "69" + "".join(str(rng.randrange(10)) for _ in range(10))
    return body + rules.gtin_check_digit(body)


LABS = [
    ("国家食品质量检验检测中心(北京)", "110105", "CNAS L0001"),
    ("浙江省产品质量安全科学研究院", "330106", "CNAS L0345"),
    ("广东产品质量监督检验研究院", "440106", "CNAS L0576"),
    ("江苏省产品质量监督检验研究院", "320100", "CNAS L0488"),
    ("上海市质量监督检验技术研究院", "310104", "CNAS L0129"),
    ("国家电线电缆产品质量检验检测中心(四川)", "510100", "CNAS L0880"),
    ("山东省食品药品检验研究院", "370100", "CNAS L1021"),
    ("湖北省产品质量监督检验研究院", "420100", "CNAS L0712"),
]
N_ENTERPRISES = 56
N_PRODUCTS = 320


def load(s: Session, rng: random.Random) -> list[str]:
    """Idempotent: run twice, get the same catalog (the random draws happen in the same order every run)."""
    ensure_categories(s, CATEGORIES)
    cats = {c.code: c for c in s.scalars(select(Category))}
    _load_standards(s, cats)
    orgs = _load_authorities(s)
    ents = _load_enterprises(s, rng)
    n_products = _load_products(s, rng, cats, ents)
    dairy = next((e for e in ents if s.scalar(select(Product.id).where(
        Product.enterprise_id == e.id, Product.category_id == cats["FOOD-DAIRY-INF"].id)) is not None), ents[0])
    _load_users(s, orgs, dairy, ents[1])
    return [
        f"catalog: {len(ents)} enterprises, {len(orgs['labs'])} labs, {n_products} products, {len(STANDARDS)} standards",
        f"demo logins (password '{DEMO_PASSWORD}'): admin, regulator, samr, regulator_hz, association, inspector, "
        f"inspector2, enterprise ({dairy.name}), enterprise2, public",
    ]


def _load_standards(s: Session, cats: dict[str, Category]) -> None:
    for code, title, cat_code, status, indicators in STANDARDS:
        if s.scalar(select(Standard.id).where(Standard.code == code)) is None:
            service.create_standard(s, SYSTEM, StandardIn(code=code, title=title, status=status,
                                                          category_id=cats[cat_code].id if cat_code else None,
                                                          indicators=indicators))


def _load_authorities(s: Session) -> dict[str, Any]:
    """The association, the regulators (总局, two provinces, a city) and the labs, by the keys `_load_users` uses."""
    return {
        "assoc": _ensure_org(s, OrganizationIn(kind="association", name="中国质量检验协会", region_code="110105",
                                               uscc="511000005000000370", address="北京市朝阳区")),
        "samr": _ensure_org(s, OrganizationIn(kind="regulator", name="国家市场监督管理总局", region_code="110000",
                                              level="national", address="北京市西城区三里河东路8号")),
        "zj": _ensure_org(s, OrganizationIn(kind="regulator", name="浙江省市场监督管理局", region_code="330000",
                                            level="provincial", address="杭州市莫干山路77号")),
        "gd": _ensure_org(s, OrganizationIn(kind="regulator", name="广东省市场监督管理局", region_code="440000",
                                            level="provincial")),
        "hz": _ensure_org(s, OrganizationIn(kind="regulator", name="杭州市市场监督管理局", region_code="330100",
                                            level="municipal")),
        "labs": [_ensure_org(s, OrganizationIn(kind="lab", name=n, region_code=r, cnas_number=c,
                                               cma_number=f"{200000 + i * 137:06d}{r[:2]}",
                                               address=rules.region_label(r)))
                 for i, (n, r, c) in enumerate(LABS)],
    }


def _load_enterprises(s: Session, rng: random.Random) -> list[Organization]:
    """56 enterprises; enterprise i makes category trade_cats[i % n] and is named for that trade."""
    existing_ents = s.scalar(select(func.count()).select_from(Organization).where(Organization.kind == "enterprise")) or 0
    trade_cats = list(PRODUCT_NAMES)
    ents: list[Organization] = list(s.scalars(select(Organization).where(Organization.kind == "enterprise")
                                              .order_by(Organization.id)))
    if existing_ents >= N_ENTERPRISES:
        return ents
    used: set[str] = {e.name for e in ents}
    i = 0
    while len(ents) < N_ENTERPRISES:
        cat_code = trade_cats[len(ents) % len(trade_cats)]  # retried names keep the trade
        region = PROVINCES[(i * 7) % len(PROVINCES)]
        city = rules.region_label(region).split(" ")[-1].rstrip("市区县")
        name = f"{city}{rng.choice(SURNAMES)}{rng.choice(SECOND)}{TRADE[cat_code]}有限公司"
        i += 1
        if name in used:
            continue
        used.add(name)
        ents.append(service.create_organization(s, SYSTEM, OrganizationIn(
            kind="enterprise", name=name, uscc=_uscc(rng, region), region_code=region,
            address=f"{rules.region_label(region)}工业园区{rng.randrange(1, 300)}号",
            contact_name=rng.choice(["王", "李", "张", "刘", "陈"]) + rng.choice(["经理", "工程师"]),
            contact_phone=f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}")))
    return ents


def _load_products(s: Session, rng: random.Random, cats: dict[str, Category], ents: list[Organization]) -> int:
    """Products up to 320, each by an enterprise of its trade; returns how many there are."""
    trade_cats = list(PRODUCT_NAMES)
    n_products = s.scalar(select(func.count()).select_from(Product)) or 0
    makers: dict[str, list[Organization]] = {}  # category → its enterprises (an enterprise makes one trade's goods)
    for j, e in enumerate(ents[:N_ENTERPRISES]):
        makers.setdefault(trade_cats[j % len(trade_cats)], []).append(e)
    k = 0
    while n_products < N_PRODUCTS:
        cat_code = trade_cats[k % len(trade_cats)]
        ent = makers[cat_code][(k // len(trade_cats)) % len(makers[cat_code])]
        name, models = PRODUCT_NAMES[cat_code][(k // len(trade_cats)) % len(PRODUCT_NAMES[cat_code])]
        brand = BRANDS[(k * 5 + ent.id) % len(BRANDS)]
        model = models[k % len(models)] + (f" {chr(65 + (k // 60))}型" if k >= 60 else "")
        service.create_product(s, SYSTEM, ProductIn(
            name=f"{brand}{name}", brand=brand, model=model, category_id=cats[cat_code].id, enterprise_id=ent.id,
            gtin=_gtin(rng) if cat_code.startswith(("FOOD", "IND", "DRUG")) else None,
            description=f"{ent.name}生产的{name}，规格{model}。"))
        n_products += 1
        k += 1
    return n_products


def _load_users(s: Session, orgs: dict[str, Any], dairy: Organization, second: Organization) -> None:
    """A login for every role (password zhijian-demo)."""
    labs = orgs["labs"]
    _ensure_user(s, "admin", "admin", None, "系统管理员")
    _ensure_user(s, "regulator", "regulator", orgs["zj"], "浙江省局 抽查处")
    _ensure_user(s, "samr", "regulator", orgs["samr"], "总局 质量监督司")
    _ensure_user(s, "regulator_gd", "regulator", orgs["gd"], "广东省局")
    _ensure_user(s, "regulator_hz", "regulator", orgs["hz"], "杭州市局")
    _ensure_user(s, "association", "association", orgs["assoc"], "协会 稳定合格产品办公室")
    _ensure_user(s, "inspector", "inspector", labs[1], "检验员 张工")
    _ensure_user(s, "inspector2", "inspector", labs[1], "审核员 李工")
    _ensure_user(s, "inspector_gd", "inspector", labs[2], "检验员 陈工")
    _ensure_user(s, "enterprise", "enterprise", dairy, f"{dairy.name} 质量部")
    _ensure_user(s, "enterprise2", "enterprise", second, f"{second.name} 质量部")
    _ensure_user(s, "public", "public", None, "注册消费者")
