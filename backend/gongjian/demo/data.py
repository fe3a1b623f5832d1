"""What the demo community is made of: the facts of the source article (黄石中院 and 老虎头社区, 2017)
and invented but plausible detail around them (names other than 王又明, dates, wish contents)."""

from __future__ import annotations

from datetime import date

COURT = {"name": "黄石市中级人民法院机关党委", "code": "HSZY", "address": "湖北省黄石市", "contact_person": "王又明"}
COMMUNITY = {
    "name": "老虎头社区党委",
    "code": "LHT",
    "address": "湖北省黄石市黄石港区东北部",
    "contact_person": "社区党委书记",
    "description": "社区内无一家企业，居民主要由下岗职工构成，住房以老旧房改房为主，没有物业管理。",
}
AGREEMENT = (
    "黄石市中级人民法院与老虎头社区按照“三会三制”工作法开展共驻共建：以大环境整治、维护社会稳定和"
    "扶贫济困为重点，资源共享、优势互补、共驻共建、共同发展。"
)

# (name, gender) — in-service officers of the court, who report to 老虎头 under dual management.
OFFICERS = [
    ("王又明", "male"),
    ("陈立新", "male"),
    ("刘晓燕", "female"),
    ("张建华", "male"),
    ("李敏", "female"),
    ("周志刚", "male"),
    ("吴静", "female"),
    ("郑海涛", "male"),
    ("孙丽娟", "female"),
    ("胡国强", "male"),
    ("黄文杰", "male"),
    ("徐莉", "female"),
    ("程亮", "male"),
    ("高雪梅", "female"),
    ("罗斌", "male"),
    ("梁红", "female"),
]
RETIRED = [
    ("马德福", "male"),
    ("杨秀英", "female"),
    ("朱桂兰", "female"),
    ("何长青", "male"),
    ("林玉珍", "female"),
    ("谢宝山", "male"),
    ("韩淑芬", "female"),
    ("冯家旺", "male"),
]
UNEMPLOYED = [("曹军", "male"), ("彭小红", "female"), ("董卫东", "male")]
MOBILE = [("袁浩", "male"), ("蒋春燕", "female"), ("沈磊", "male")]
TWO_NEW = [("叶晨", "female"), ("潘宇", "male"), ("杜鹏飞", "male")]

# Activities of 2017: (kind, title, organiser "court"/"community", day, start hour, hours,
# member group, registered participants, guests, counts hours, description)
COLLECTIVE_VOLUNTEERING = [
    (date(2017, 3, 5), "学雷锋志愿服务：老旧小区环境大扫除", 30, 48, "清理楼道堆积物、疏通下水道、清运建筑垃圾。"),
    (date(2017, 6, 1), "“送温暖给留守儿童”志愿服务", 28, 50, "陪伴社区留守儿童过“六一”，赠送学习用品。"),
    (date(2017, 9, 16), "扶贫济困志愿服务：困难家庭入户帮扶", 32, 46, "为困难家庭修缮门窗、更换灯具、整理居室。"),
]
LEGAL_EVENTS = [
    (
        "legal_publicity",
        date(2017, 4, 18),
        "送法进社区：婚姻家庭与赡养纠纷法律讲座",
        "向居民发放法治宣传资料，现场解答法律咨询。",
    ),
    ("reception", date(2017, 7, 20), "领导干部进社区接访", "院领导在社区接待来访群众，当场答复、限期办理。"),
    (
        "legal_publicity",
        date(2017, 12, 4),
        "“12·4”国家宪法日法治宣传",
        "宪法宣传、以案释法，结合“五百”活动收集社情民意。",
    ),
]
VISITS = [
    (date(2017, 6, 1), "“六一”走访留守儿童家庭", "送去书包、文具和慰问金。"),
    (date(2017, 6, 30), "“七一”走访困难党员和老党员", "向困难党员、老党员送去慰问物资和慰问金。"),
]
PERFORMANCES = [
    (date(2017, 2, 11), "元宵节广场舞、秧歌表演", 26),
    (date(2017, 5, 30), "端午节社区文艺汇演", 24),
    (date(2017, 10, 28), "重阳节敬老文艺表演", 28),
]
EXHIBITION = (
    date(2017, 8, 12),
    "社区居民书画摄影作品展",
    "收集参展作品 216 件（书画 128 件、摄影 88 件），选取优秀作品 60 件在社区广场免费展出。",
)
BASKETBALL_MATCHES = 22

# Micro-wishes: (content, kind, estimated value in yuan).
WISH_TEMPLATES = [
    ("想要一台电风扇度夏", "goods", 150),
    ("冬季需要一床厚棉被", "goods", 200),
    ("孩子开学需要书包和文具", "goods", 120),
    ("需要一副老花镜", "goods", 60),
    ("想要一个电饭煲", "goods", 180),
    ("行动不便，需要一台轮椅", "goods", 500),
    ("希望有人帮忙更换家中老化电线", "service", 0),
    ("希望有人陪同去医院复查", "service", 0),
    ("需要上门理发服务", "service", 0),
    ("想咨询赡养费纠纷的法律问题", "service", 0),
    ("孩子想要几本课外读物", "goods", 80),
    ("需要一台取暖器过冬", "goods", 150),
    ("希望有人帮忙疏通厨房下水道", "service", 0),
    ("想要一套学习用的桌椅", "goods", 300),
    ("需要一部老年手机方便联系子女", "goods", 200),
]
SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["秀兰", "桂英", "建国", "玉兰", "德明", "小芳", "春生", "淑珍", "家福", "金凤", "志强", "翠花", "国华", "文英"]
WISHES_FULFILLED = 110
WISHES_PENDING = 6

# Joint meetings: (kind, day, theme, [(topic, [(owner "court"/"community", task, due, done?)])]).
MEETINGS = [
    (
        "guidance",
        date(2017, 1, 16),
        "确定 2017 年共驻共建重点",
        [
            ("大环境整治", [("community", "摸清无物业小区环境问题清单", date(2017, 2, 28), True)]),
            ("维护社会稳定", [("court", "制定送法进社区和接访年度计划", date(2017, 2, 28), True)]),
            ("扶贫济困", [("community", "建立困难家庭和微心愿台账", date(2017, 3, 15), True)]),
        ],
    ),
    (
        "joint",
        date(2017, 3, 20),
        "老旧小区环境卫生整治",
        [
            ("楼道堆积物和建筑垃圾清运", [("court", "组织志愿者集中清运，协调车辆", date(2017, 4, 15), True)]),
            ("无物业小区日常保洁", [("community", "组建居民保洁互助小组", date(2017, 5, 31), True)]),
        ],
    ),
    (
        "joint",
        date(2017, 6, 26),
        "维护社区安全稳定",
        [
            ("“五百”活动收集社情民意", [("court", "干警分片走访，建立问题台账", date(2017, 8, 31), True)]),
            ("信访积案化解", [("court", "对两起积案开展释法答疑", date(2017, 9, 30), True)]),
            ("夜间治安巡逻", [("community", "组建党员巡逻队，排定班次", date(2017, 7, 31), True)]),
        ],
    ),
    (
        "joint",
        date(2017, 9, 25),
        "扶贫济困与微心愿认领",
        [
            ("困难家庭冬季帮扶", [("court", "筹集冬季慰问物资", date(2017, 12, 15), True)]),
            ("社区篮球场修缮", [("court", "协调修缮资金并完成场地维修", date(2017, 12, 31), False)]),
        ],
    ),
    (
        "coordination",
        date(2017, 12, 18),
        "年度总结与双向考评",
        [
            ("在职党员社区表现评议", [("community", "汇总党员在社区表现记录，反馈单位", date(2017, 12, 29), True)]),
            ("2018 年共建计划", [("community", "起草 2018 年共驻共建实施计划", date(2018, 1, 20), False)]),
        ],
    ),
]

# Concerns: (category, title, reporter kind, reporter, day, outcome, escalated to, note)
CONCERNS = [
    (
        "sanitation",
        "3 栋楼道垃圾长期堆积",
        "resident",
        "刘桂英",
        date(2017, 3, 2),
        "local",
        None,
        "志愿者集中清运，已清理完毕。",
    ),
    (
        "infrastructure",
        "小区路灯损坏，夜间出行不便",
        "resident",
        "陈德明",
        date(2017, 4, 10),
        "escalated_resolved",
        "黄石港区城管局",
        "区城管局更换路灯 6 盏。",
    ),
    (
        "petition_stability",
        "居民因房改房产权问题多次上访",
        "admin",
        None,
        date(2017, 5, 8),
        "local",
        None,
        "法院干警释法答疑，当事人息访。",
    ),
    (
        "safety",
        "夜间有陌生人员在小区徘徊",
        "member",
        None,
        date(2017, 6, 28),
        "local",
        None,
        "党员巡逻队加强夜间巡逻。",
    ),
    (
        "party_building",
        "流动党员组织关系接转不清",
        "admin",
        None,
        date(2017, 7, 12),
        "local",
        None,
        "建立流动党员信息登记卡。",
    ),
    (
        "infrastructure",
        "化粪池堵塞外溢",
        "resident",
        "黄玉兰",
        date(2017, 8, 21),
        "escalated_open",
        "黄石港区住建局",
        None,
    ),
    (
        "sanitation",
        "菜场周边占道经营、污水横流",
        "resident",
        "周春生",
        date(2017, 10, 9),
        "local",
        None,
        "协调街道和市场管理方，设置摊位区。",
    ),
    ("other", "社区活动室桌椅破旧", "member", None, date(2017, 11, 15), "in_progress", None, None),
]

# Honours the article lists. The community's were won over 2017 ("通过活动的开展…先后被评为");
# the article gives no days, so the days here are illustrative. The court's came in March 2018.
HONOURS = [
    (
        "全省社会治安综合治理先进集体",
        "湖北省社会治安综合治理委员会",
        date(2017, 12, 20),
        "provincial",
        "community",
        None,
    ),
    ("黄石市第二届群众广场舞展演三等奖", "黄石市文化体育局", date(2017, 6, 18), "city", "team", "老虎头社区舞蹈队"),
    ("黄石市“信用社区”", "黄石市人民政府", date(2017, 11, 28), "city", "community", None),
    ("黄石市“卫生社区”", "黄石市爱国卫生运动委员会", date(2017, 10, 30), "city", "community", None),
    (
        "“中亿佰联杯”网络视频广场舞大赛最佳优秀奖",
        "“中亿佰联杯”网络视频广场舞大赛组委会",
        date(2017, 9, 10),
        "city",
        "team",
        "老虎头社区舞蹈队",
    ),
    ("黄石市体育工作“先进单位”", "黄石市体育局", date(2017, 12, 26), "city", "community", None),
    ("黄石港区十大“社区健身特色品牌”", "黄石港区人民政府", date(2017, 8, 8), "district", "community", None),
    ("黄石港区十大“社区文艺团队”", "黄石港区人民政府", date(2017, 8, 8), "district", "team", "老虎头社区舞蹈队"),
    ("全区信访工作“优胜单位”", "黄石港区信访局", date(2017, 12, 28), "district", "community", None),
]
COURT_HONOUR = ("“共驻共建先进党组织”", "中共黄石市委组织部", date(2018, 3, 15), "city")


# The catalogue (清单模板) at the start of 2017: the needs 老虎头 adopted into its own list — the
# article's priorities (大环境整治、维护社会稳定、扶贫济困) and its activities — open for its units to
# claim; and the resources the court offered from it, which 老虎头 claimed (below).
CATALOGUE_DAY = date(2017, 1, 10)
ADOPTED_NEEDS = [
    "SL-HA02",  # 春节、“七一”走访慰问困难户和老党员
    "SL-HA03",  # “送温暖给留守儿童”关爱行动
    "SL-FU01",  # 老旧房改房楼道照明改造
    "SL-VO01",  # 大环境整治志愿清扫
    "SL-VO03",  # 社区治安义务巡逻
    "SL-VO09",  # 信访维稳矛盾调解协助
    "SL-CS01",  # 单位与社区篮球友谊赛
    "SL-AD02",  # 共建联席会议题征集
]

# Resources the court offered from the catalogue (by template code) that 老虎头 claimed in 2017:
# day, and whether the work was finished and verified by the court within the year.
CLAIMED_RESOURCES = [
    ("SL-HA06", date(2017, 2, 20), True),  # 困难群众法律援助与诉讼指引
    ("SL-VO02", date(2017, 3, 25), True),  # 送法进社区普法宣传
    ("SL-AD03", date(2017, 5, 15), True),  # 社情民意收集与反映
    ("SL-CS04", date(2017, 10, 9), False),  # 书画摄影作品展场地与布展
]

# --- the district around 老虎头 (issue 17): invented, so a street and a district have something to
# compare. 老虎头 and its court stay exactly as above; they are placed under 江北街道.
DISTRICT = {"name": "黄石港区委组织部", "code": "HSGQ", "address": "湖北省黄石市黄石港区", "contact_person": "组织科"}
STREET = {"name": "江北街道党工委", "code": "JBJD", "address": "黄石港区江北街道", "contact_person": "党建办"}
SECOND_STREET = {"name": "花湖街道党工委", "code": "HHJD", "address": "黄石港区花湖街道", "contact_person": "党建办"}
# The second street's communities, of different sizes: `size` scales every record of their year.
NEIGHBOURS = [
    {"name": "花湖社区党委", "code": "HHSQ", "address": "黄石港区花湖街道花湖路", "size": 4, "admin": "hh-admin"},
    {"name": "胜阳港社区党委", "code": "SYG", "address": "黄石港区花湖街道胜阳港", "size": 2, "admin": "syg-admin"},
]
NEIGHBOUR_VOLUNTEERING = ["楼道清扫志愿服务", "关爱空巢老人志愿服务", "文明交通劝导", "垃圾分类宣传"]
NEIGHBOUR_WISHES = [
    ("想要一台收音机", "goods", 80),
    ("家里灯坏了需要修理", "service", 30),
    ("孩子想要一套课外书", "goods", 120),
]
NEIGHBOUR_CONCERNS = [("sanitation", "楼道堆放杂物"), ("infrastructure", "小区路灯损坏"), ("safety", "电动车楼道充电")]
# Every organisation the demo creates, for checks that nothing else (no placeholder) shows up.
ORGANISATION_NAMES = frozenset(
    {COURT["name"], COMMUNITY["name"], DISTRICT["name"], STREET["name"], SECOND_STREET["name"]}
    | {str(n["name"]) for n in NEIGHBOURS}
)
