"""Words the bench data is made of: districts, departments, categories, places, phrases.

Frequencies follow a Zipf-like law (a few districts, categories and departments take
most of a hotline's calls), which is what makes filters and statistics realistic.
"""

import random
from collections.abc import Sequence

# Beijing's districts, busiest first (by population, which drives call volume).
DISTRICTS = (
    "朝阳区", "海淀区", "丰台区", "昌平区", "大兴区", "通州区", "西城区", "东城区",
    "顺义区", "房山区", "石景山区", "门头沟区", "怀柔区", "密云区", "平谷区", "延庆区",
)  # fmt: skip

DISTRICT_CENTRES = {
    "朝阳区": (39.921, 116.443), "海淀区": (39.959, 116.298), "丰台区": (39.858, 116.287),
    "昌平区": (40.220, 116.231), "大兴区": (39.727, 116.341), "通州区": (39.909, 116.656),
    "西城区": (39.912, 116.366), "东城区": (39.928, 116.416), "顺义区": (40.130, 116.654),
    "房山区": (39.736, 116.139), "石景山区": (39.906, 116.223), "门头沟区": (39.940, 116.102),
    "怀柔区": (40.316, 116.632), "密云区": (40.377, 116.843), "平谷区": (40.144, 117.112),
    "延庆区": (40.457, 115.985),
}  # fmt: skip

# City-level bodies a ticket may be dispatched to, busiest first; each district also has
# its own 城管执法局, which takes the city-management share of its district's tickets.
CITY_DEPARTMENTS = (
    ("SZJW", "市住房城乡建设委"), ("SJTW", "市交通委"), ("SCGW", "市城市管理委"),
    ("SSCJG", "市市场监管局"), ("SSTHJ", "市生态环境局"), ("RLJT", "热力集团"),
    ("SSWJ", "市水务局"), ("SRSJ", "市人力社保局"), ("SGAJJ", "市公安局公安交通管理局"),
    ("SWJW", "市卫生健康委"), ("SJW", "市教委"), ("SYLJ", "市园林绿化局"),
    ("ZLSJT", "自来水集团"), ("RQJT", "燃气集团"), ("DLGS", "电力公司"),
    ("GJJT", "公交集团"), ("DTYY", "地铁运营公司"), ("SMZJ", "市民政局"),
    ("SGHZRZY", "市规划自然资源委"), ("SSWJU", "市商务局"), ("SWHLY", "市文化和旅游局"),
    ("SXFJY", "市消防救援总队"), ("STXGL", "市通信管理局"), ("SXFB", "市信访办"),
)  # fmt: skip

# Categories the bench adds to the seeded catalogue (app/tickets/catalogue.py),
# so the spread resembles a real 12345 line's. (code, name, parent)
EXTRA_CATEGORIES = (
    ("zaoyin_raomin", "噪音扰民", None), ("gongnuan", "供暖", None),
    ("wuye_guanli", "物业管理", None), ("gongjiao_chuxing", "公交出行", None),
    ("tingche_shoufei", "停车收费", None), ("gongshui", "供水", None),
    ("ranqi", "燃气", None), ("gongdian", "供电", None), ("yuanlin_lvhua", "园林绿化", None),
    ("laji_fenlei", "垃圾分类", "chengshi_guanli"), ("paishui", "排水", None),
    ("shipin_anquan", "食品安全", None), ("laodong_baozhang", "劳动保障", None),
    ("jiaoyu", "教育", None), ("yiliao_weisheng", "医疗卫生", None),
    ("xiaofang_anquan", "消防安全", None), ("tongxin_wangluo", "通信网络", None),
    ("shequ_fuwu", "社区服务", None), ("fangchan_jiaoyi", "房产交易", None),
    ("xiaofei_weiquan", "消费维权", None),
)  # fmt: skip

# Busiest first; what a caller says about each (used in titles and contents).
CATEGORY_SUBJECTS = {
    "zaoyin_raomin": ("夜间施工噪音扰民", "广场舞音响声音过大", "商户外放音乐噪音大"),
    "gongnuan": ("暖气不热室温不达标", "供暖管道漏水", "停暖未提前通知"),
    "wuye_guanli": ("物业不作为电梯长期故障", "物业乱收费", "小区门禁损坏无人维修"),
    "weifa_jianshe": ("楼顶私搭乱建", "一层住户违规扩建院墙", "绿地内违建房屋"),
    "zhandao_jingying": ("早市占道经营堵塞人行道", "商户店外摆摊", "流动摊贩夜间占道"),
    "cheliang_luanting": ("车辆乱停堵塞消防通道", "共享单车乱停乱放", "机动车占用盲道"),
    "huanjing_weisheng": ("垃圾桶满溢无人清运", "公共厕所卫生差", "道路积存垃圾"),
    "tingche_shoufei": ("停车场乱收费", "路侧停车收费不开票", "小区停车位被外来车辆占用"),
    "gongshui": ("小区停水", "自来水水质发黄", "水压不足"),
    "shizheng_sheshi": ("路灯不亮", "井盖缺失", "人行道地砖破损"),
    "gongjiao_chuxing": ("公交车长时间不来", "公交司机服务态度差", "公交站牌信息错误"),
    "zixun": ("咨询居住证办理", "咨询公积金提取政策", "咨询社保转移手续"),
    "jianzhu_gongdi": ("工地扬尘严重", "工地夜间施工", "渣土车遗撒"),
    "ranqi": ("燃气味道异常", "燃气表故障", "燃气改造进度慢"),
    "gongdian": ("小区频繁停电", "电线私拉乱接", "充电桩安装难"),
    "laodong_baozhang": ("单位拖欠工资", "未签劳动合同", "社保未缴纳"),
    "shipin_anquan": ("餐馆卫生条件差", "超市售卖过期食品", "外卖无证经营"),
    "xiaofei_weiquan": ("预付卡商家跑路", "网购退款难", "健身房拒绝退费"),
    "yuanlin_lvhua": ("树木遮挡采光", "枯树有倒伏危险", "绿地被毁"),
    "paishui": ("雨后路面积水", "下水道堵塞反味", "污水外溢"),
    "laji_fenlei": ("垃圾分类桶站设置不合理", "垃圾混装混运", "厨余垃圾无人分拣"),
    "xiao_guanggao": ("楼道小广告泛滥", "电线杆乱贴广告", "喷涂办证广告"),
    "huwai_guanggao": ("广告牌匾破损有坠落风险", "违规设置大型广告牌", "霓虹灯夜间扰民"),
    "daolu_yisa": ("运输车辆遗撒", "道路油污未清理", "砂石遗撒"),
    "limian_kongjian": ("空调外机滴水", "外墙瓷砖脱落", "阳台违规搭建"),
    "jisi_fenshao": ("路口焚烧纸钱", "小区内焚烧杂物", "露天焚烧垃圾"),
    "jiaoyu": ("学校周边交通拥堵", "校外培训机构违规收费", "入学政策咨询"),
    "yiliao_weisheng": ("医院挂号难", "诊所无证行医", "药店售卖处方药不规范"),
    "xiaofang_anquan": ("楼道堆物堵塞", "电动车楼道充电", "消防栓损坏"),
    "tongxin_wangluo": ("小区无宽带覆盖", "手机信号差", "运营商乱扣费"),
    "shequ_fuwu": ("老旧小区加装电梯", "社区养老服务咨询", "社区活动室被占用"),
    "fangchan_jiaoyi": ("中介违规收费", "二手房网签问题", "房屋租赁纠纷"),
    "chengshi_guanli": ("城市管理综合问题", "街面秩序混乱", "共享设施管理不善"),
    "qita": ("其他问题反映", "意见建议", "表扬工作人员"),
}

PLACE_PREFIXES = (
    "望京", "双井", "劲松", "回龙观", "天通苑", "亚运村", "北苑", "酒仙桥", "三里屯", "团结湖",
    "中关村", "五道口", "清河", "上地", "学院路", "万柳", "田村", "四季青", "方庄", "六里桥",
    "卢沟桥", "丽泽", "南苑", "马家堡", "沙河", "霍营", "北七家", "黄村", "亦庄", "西红门",
    "旧宫", "梨园", "果园", "九棵树", "武夷花园", "德胜门", "金融街", "月坛", "展览路", "广安门",
    "和平里", "东直门", "安定门", "朝阳门", "天坛", "后沙峪", "马坡", "良乡", "长阳", "鲁谷",
    "八角", "古城", "苹果园", "龙泉", "潭柘寺", "怀柔新城", "鼓楼", "兴谷", "延庆新城", "百子湾",
)  # fmt: skip
PLACE_SUFFIXES = ("小区", "家园", "西里", "北里", "花园", "新村", "嘉园", "公寓", "东区", "社区")
PLACE_SECTIONS = ("", "一区", "二区", "三区", "四区")
ROADS = (
    "建国路", "朝阳北路", "东三环中路", "学院路", "中关村大街", "万泉河路", "丰台路", "南三环西路",
    "回龙观东大街", "立汤路", "兴华大街", "新华大街", "西直门外大街", "金融大街", "东直门内大街",
    "安定门外大街", "顺平路", "长虹西路", "阜石路", "石门营路", "府前街", "平谷大街", "妫水北街",
    "北四环东路", "望京街", "广渠路", "京顺路", "京开路", "永定路", "苏州街",
)  # fmt: skip
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
REPLIES = (
    "经现场核实，已责令相关单位整改，问题已解决。",
    "已协调责任单位处理，后续将加强巡查。",
    "经核查，该问题不属于本单位职责，已向来电人解释说明。",
    "已向来电人详细解答相关政策，来电人表示理解。",
)
REASONS = ("来电人要求撤销", "重复来电", "经核实不属于受理范围")
RETURN_REASONS = ("非本单位职责", "区域划分有误", "权属不清")


def zipf_weights(count: int, exponent: float = 1.0) -> list[float]:
    return [1.0 / (rank**exponent) for rank in range(1, count + 1)]


def places(count: int, seed: int) -> list[str]:
    """Residential compound names, shuffled so their Zipf rank is not alphabetical."""
    names = [
        f"{prefix}{suffix}{section}"
        for prefix in PLACE_PREFIXES
        for suffix in PLACE_SUFFIXES
        for section in PLACE_SECTIONS
    ]
    random.Random(seed).shuffle(names)
    return names[:count]


def category_order() -> list[str]:
    """Every category code the bench uses, busiest first."""
    return list(CATEGORY_SUBJECTS)


class Weighted:
    """Draws from a fixed list with fixed weights; precomputed for speed."""

    def __init__(self, items: Sequence[object], weights: Sequence[float]) -> None:
        self.items = list(items)
        total = 0.0
        self.cumulative: list[float] = []
        for weight in weights:
            total += weight
            self.cumulative.append(total)

    def draw(self, rng: random.Random) -> object:
        return rng.choices(self.items, cum_weights=self.cumulative, k=1)[0]
