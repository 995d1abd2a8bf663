#!/usr/bin/env python3
"""Deterministic generator of an N-page Chinese campaign site, for benchmarking.

    python3 bench/gen.py --pages N --out DIR --flavor placard|zola|theme|hugo

The same N always gives a byte-identical tree (everything comes from random.Random(N)
and fixed tables; files are written in a fixed order; no clock, no hash()).
Both flavors carry the same pages, the same text, the same dates and the same terms;
only the front matter shape, the configuration and the templates differ.

Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
from datetime import date, timedelta

BASE_URL = "https://www.qinghe.example.gov.cn"
SITE_TITLE = "青禾镇扫黑除恶常态化宣传网"
SITE_DESC = "青禾镇扫黑除恶专项斗争常态化宣传：政策解读、工作动态、通知公告、线索举报与典型案例。"

# ---------------------------------------------------------------------------------------------
# Sections: (dir, title, weight, share of pages, children)
# Two parents hold one level of nested sections; everything else hangs off the root.
VILLAGES = [
    ("dongwan", "东湾村"), ("xiling", "西岭村"), ("nantang", "南塘村"), ("beipo", "北坡村"),
    ("liuxi", "柳溪村"), ("shiqiao", "石桥村"), ("hekou", "河口村"), ("qinghe-shequ", "青禾社区"),
]
DEPARTMENTS = [("gongan", "派出所"), ("sifa", "司法所"), ("zongzhi", "综治中心")]

SECTIONS = [
    # dir, title, weight, share (relative)
    ("zhengce", "政策解读", 1, 8),
    ("dongtai", "工作动态", 2, 14),
    ("tongzhi", "通知公告", 3, 10),
    ("anli", "典型案例", 4, 6),
    ("xuanjiao", "宣传教育", 5, 7),
    ("jubao", "举报指南", 6, 3),
    ("fagui", "法律法规", 7, 4),
    ("meiti", "媒体报道", 8, 5),
    ("cunju", "村居动态", 9, 1),
    ("bumen", "部门联动", 10, 1),
]
CHILDREN = {
    "cunju": [(d, t, i + 1, 3) for i, (d, t) in enumerate(VILLAGES)],
    "bumen": [(d, t, i + 1, 3) for i, (d, t) in enumerate(DEPARTMENTS)],
}

SECTION_INTRO = {
    "zhengce": "本栏目发布扫黑除恶常态化相关政策文件的权威解读，帮助群众准确把握政策界限。",
    "dongtai": "本栏目及时报道全镇扫黑除恶常态化工作的最新进展。",
    "tongzhi": "本栏目发布与扫黑除恶常态化有关的通知、通告和公示。",
    "anli": "本栏目选登依法办结的典型案例，以案释法、以案促改。",
    "xuanjiao": "本栏目汇集进村入户、进校园、进企业的法治宣传教育活动。",
    "jubao": "本栏目说明线索举报的渠道、受理范围和举报人保护措施。",
    "fagui": "本栏目收录《反有组织犯罪法》等法律法规及司法解释要点。",
    "meiti": "本栏目转载各级媒体对我镇扫黑除恶常态化工作的报道。",
    "cunju": "本栏目按村（社区）汇集基层扫黑除恶常态化工作动态。",
    "bumen": "本栏目展示政法各部门协同作战、联动治理的工作成效。",
}

# The ten key target categories of the normalised campaign (short names as taxonomy terms).
TARGETS = [
    "政治安全渗透", "把持基层政权", "村霸宗族势力", "征地拆迁闹事", "强揽工程",
    "欺行霸市", "黄赌毒", "非法高利放贷", "地下执法队", "境外黑恶渗透",
]

TAGS = [
    "常态化", "线索举报", "12337", "法治宣传", "平安建设", "乡村振兴", "基层治理", "电信诈骗",
    "套路贷", "校园贷", "网络黑恶", "行业整治", "打财断血", "保护伞", "群防群治", "综治中心",
    "网格化管理", "矛盾纠纷化解", "信访维稳", "禁毒", "反诈", "养老诈骗", "农村治安", "校园安全",
    "交通运输", "矿产资源", "渔业捕捞", "市场监管", "自然资源", "工程建设", "文化旅游", "教育整顿",
    "金融放贷", "物流寄递", "公安", "检察", "法院", "司法行政", "纪检监察", "政法队伍",
    "宣传月", "进村入户", "以案促改", "有奖举报", "志愿者", "青少年", "法律援助", "P2P网贷",
    "APP推广", "换届选举",
]

PEOPLE = ["张某", "李某某", "王某", "赵某某", "刘某", "陈某", "杨某某", "黄某", "周某", "吴某某"]
DEPTS = ["镇党委", "镇政府", "镇政法委", "镇派出所", "镇司法所", "镇综治中心", "镇纪委",
         "县公安局", "县检察院", "县法院", "县市场监管局", "县自然资源局", "县交通运输局"]
VILLAGE_NAMES = [t for _, t in VILLAGES]

# ---------------------------------------------------------------------------------------------
# About two hundred campaign-themed sentences. Slots: {v} village, {d} department, {n} a number,
# {p} a person, {y} a year, {m} a month.
SENTENCES = [
    "扫黑除恶专项斗争转入常态化以来，{d}坚持以人民为中心的发展思想，持续保持对黑恶势力的高压态势。",
    "各村（社区）要把扫黑除恶常态化工作摆在突出位置，做到思想认识不松、工作力度不减、斗争标准不降。",
    "群众可拨打全国扫黑办举报电话 12337，也可拨打镇扫黑办电话 0123-6110110 反映线索。",
    "举报人的个人信息和举报内容严格保密，对打击报复举报人的行为将依法从严惩处。",
    "对查证属实、对案件侦办起到重要作用的线索，按规定给予举报人 500 元至 {n}0000 元不等的奖励。",
    "{v}召开扫黑除恶常态化工作推进会，全体村组干部和网格员共 {n} 人参加会议。",
    "会议传达学习了上级关于常态化开展扫黑除恶斗争的最新部署要求。",
    "会议强调，要坚持“有黑扫黑、有恶除恶、有乱治乱”，决不让黑恶势力死灰复燃。",
    "{d}联合{v}开展“扫黑除恶进万家”法治宣传活动，现场发放宣传资料 {n}00 余份。",
    "工作人员通过设立咨询台、悬挂横幅、播放宣传片等形式，向过往群众讲解黑恶势力的主要特征。",
    "活动现场，工作人员耐心解答群众提出的法律问题，引导群众依法理性表达诉求。",
    "《中华人民共和国反有组织犯罪法》自 2022 年 5 月 1 日起施行，为常态化扫黑除恶提供了法律保障。",
    "黑社会性质组织应当同时具备组织特征、经济特征、行为特征和危害性特征。",
    "恶势力是指经常纠集在一起，以暴力、威胁或者其他手段，在一定区域或者行业内多次实施违法犯罪活动的组织。",
    "“软暴力”是指行为人为谋取不法利益或形成非法影响，对他人或者在有关场所进行滋扰、纠缠、哄闹、聚众造势等。",
    "非法高利放贷、暴力讨债严重扰乱金融秩序，群众如遇此类情况应立即报警。",
    "所谓“套路贷”，是以借贷为名、行诈骗之实的违法犯罪活动，往往伴随虚增债务、制造违约等手段。",
    "在校学生要提高警惕，远离“校园贷”“裸贷”等不良网络借贷平台。",
    "对把持基层政权、操纵破坏换届选举的黑恶势力，坚持露头就打、除恶务尽。",
    "村霸、宗族恶势力欺压百姓、横行乡里，是群众深恶痛绝的突出问题。",
    "在征地、租地、拆迁、工程项目建设等过程中煽动闹事的，公安机关将依法严厉打击。",
    "在建筑工程、交通运输、矿产资源、渔业捕捞等行业领域，坚决打击强揽工程、恶意竞标、非法占地、滥开滥采。",
    "在商贸集市、批发市场、车站码头、旅游景区等场所欺行霸市、强买强卖、收保护费的，一律依法查处。",
    "操纵、经营“黄赌毒”等违法犯罪活动的黑恶势力是打击的重点对象之一。",
    "插手民间纠纷、充当“地下执法队”的黑恶势力，严重破坏社会公平正义。",
    "对境外黑社会入境发展渗透以及跨国跨境的黑恶势力，要加强情报研判，坚决防范打击。",
    "深挖彻查黑恶势力背后的“保护伞”和“关系网”，坚持扫黑与反腐、“拍蝇”一体推进。",
    "纪检监察机关对涉黑涉恶腐败和“保护伞”问题线索实行提级办理、挂牌督办。",
    "要把“打财断血”贯穿办案全过程，依法查明、追缴、没收涉黑涉恶财产，彻底铲除其经济基础。",
    "截至{y}年{m}月，全镇共排查各类涉黑涉恶线索 {n} 条，已全部办结并反馈。",
    "今年以来，{d}共受理群众举报 {n} 件，其中转立刑事案件 {n} 起。",
    "{d}组织干部职工开展扫黑除恶应知应会知识测试，参考率达到 100%。",
    "网格员要发挥“人熟、地熟、情况熟”的优势，主动发现和上报涉黑涉恶苗头性问题。",
    "要健全完善线索摸排、核查、移交、反馈的闭环工作机制，做到件件有着落、事事有回音。",
    "各单位要建立健全扫黑除恶常态化工作台账，实行清单化管理、销号式推进。",
    "{v}党支部书记带头走访农户，面对面宣讲扫黑除恶政策，收集社情民意。",
    "{v}利用“村村响”大喇叭每天定时播放扫黑除恶宣传音频，营造浓厚氛围。",
    "镇中心学校开展“扫黑除恶 护航成长”主题班会，引导青少年远离不良团伙。",
    "{d}深入辖区企业开展座谈，了解企业在生产经营中是否受到黑恶势力滋扰。",
    "镇市场监管所联合公安机关对农贸市场开展联合检查，严防欺行霸市行为发生。",
    "县交通运输局联合镇派出所开展运输行业乱象整治，依法查处非法营运车辆 {n} 辆。",
    "县自然资源局对辖区非法采砂、非法占地问题开展拉网式排查，责令整改 {n} 处。",
    "要聚焦重点行业领域，深入推进行业乱象整治，从源头上铲除黑恶势力滋生土壤。",
    "{d}针对办案中发现的监管漏洞，及时制发检察建议和司法建议，推动以案促改、以案促治。",
    "坚持依法办案，既不降格处理，也不人为拔高，确保每一起案件都经得起法律和历史检验。",
    "全体政法干警要严守纪律规矩，坚决防止跑风漏气、说情打招呼等问题发生。",
    "扫黑除恶常态化工作成效要由群众来评判，群众安全感和满意度是最重要的标尺。",
    "{y}年全镇群众安全感测评达到 9{n}% 以上，较上年有明显提升。",
    "要把扫黑除恶与平安建设、乡村振兴、基层治理深度融合，统筹推进。",
    "各村（社区）要结合换届工作，严把村“两委”人选资格审查关，防止“村霸”等人员混入基层组织。",
    "对有前科劣迹、涉黑涉恶等情形的人员，一律不得提名为村“两委”候选人。",
    "镇扫黑办组织召开线索核查工作联席会议，逐条分析研判重点线索。",
    "会议通报了近期线索核查情况，并对下一阶段重点工作进行了安排部署。",
    "群众可通过“平安青禾”WeChat 公众号、政务 APP 或扫描 QR code 在线提交举报材料。",
    "举报材料可发送至电子邮箱 jubao@qinghe.example.gov.cn，请尽量提供具体的人员、时间、地点和事实。",
    "本通知的 PDF 版本可在镇政府网站“通知公告”栏目下载。",
    "举报受理时间为工作日 8:30—12:00、14:30—17:30，节假日可通过网络平台留言。",
    "匿名举报同样受理，但实名举报有助于核查工作的开展和奖励的兑现。",
    "对捏造事实诬告陷害他人的，依法追究相应法律责任。",
    "{p}等人长期在{v}一带纠集作恶，通过暴力、威胁手段强揽工程、收取“管理费”。",
    "经查，{p}纠集社会闲散人员 {n} 人，多次采取堵门、拉横幅等方式滋扰他人正常生产经营。",
    "公安机关依法对{p}等 {n} 名犯罪嫌疑人采取刑事强制措施，查封、冻结涉案资产 {n}00 余万元。",
    "县人民法院依法公开审理{p}等人恶势力犯罪集团案，{n} 名被告人分别被判处有期徒刑。",
    "县人民检察院以涉嫌寻衅滋事罪、强迫交易罪对{p}等人依法提起公诉。",
    "此案的成功办理，有力震慑了违法犯罪分子，群众拍手称快。",
    "办案过程中，专案组坚持“一案三查”，同步审查是否存在“保护伞”问题。",
    "{p}在担任村干部期间，为他人违法犯罪活动提供帮助，已被移送司法机关处理。",
    "宣判后，法官当庭对旁听群众进行了法治教育，取得了良好的法律效果和社会效果。",
    "本案被告人当庭表示认罪认罚，并退缴全部违法所得。",
    "广大群众要增强法治意识，自觉抵制黑恶势力，积极检举揭发违法犯罪线索。",
    "常态化扫黑除恶是一项长期任务，需要全社会共同参与、久久为功。",
    "让我们携起手来，共同营造平安和谐的社会环境。",
    "扫黑除恶，人人有责；平安青禾，人人共享。",
    "对黑恶势力，发现一起、打击一起，决不姑息。",
    "{d}将持续深化源头治理，推动扫黑除恶常态化工作走深走实。",
    "在此，向积极支持配合扫黑除恶工作的广大群众表示衷心感谢。",
    "各单位要于{m}月 {n} 日前将本阶段工作总结报送镇扫黑办，逾期未报的予以通报。",
    "请各村（社区）高度重视，明确专人负责，确保各项工作按时保质完成。",
    "具体事项请与镇扫黑办联系，联系电话 0123-6110110。",
    "本通告自发布之日起施行，由镇扫黑除恶常态化工作领导小组办公室负责解释。",
    "经研究，决定在全镇范围内开展为期三个月的行业乱象集中整治行动。",
    "整治行动分为动员部署、排查整治、巩固提升三个阶段。",
    "动员部署阶段，各单位要制定具体实施方案，明确整治重点和责任分工。",
    "排查整治阶段，要全面梳理行业领域存在的突出问题，逐项建立问题清单。",
    "巩固提升阶段，要总结推广经验做法，建立健全长效常治机制。",
    "以下为{y}年第 {n} 批扫黑除恶线索举报奖励公示名单，公示期为 7 个工作日。",
    "公示期间如有异议，请以书面形式向镇扫黑办反映。",
    "{v}组织党员志愿者开展入户宣传，发放《致全镇人民群众的一封信》{n}00 余份。",
    "志愿者们用通俗易懂的语言，向村民讲解常见的涉黑涉恶违法犯罪表现形式。",
    "{v}将扫黑除恶内容写入村规民约，引导村民自我管理、自我教育、自我服务。",
    "{v}设立“扫黑除恶宣传栏”，定期更新典型案例和政策解读内容。",
    "{v}老党员{p}说：“现在村里风气正了，大家心里都踏实了。”",
    "村民纷纷表示，扫黑除恶让大家真正感受到了公平正义就在身边。",
    "针对农村地区留守老人较多的情况，工作人员重点讲解了养老诈骗的常见手法。",
    "近年来，电信网络诈骗与黑恶势力相互勾连的情况时有发生，需要引起高度警惕。",
    "不要轻信陌生来电和网络链接，不要向陌生账户转账汇款。",
    "如接到自称“公检法”工作人员要求转账的电话，请立即挂断并拨打 110 报警。",
    "网络黑恶势力利用网络平台实施敲诈勒索、“网络水军”、有偿删帖等违法犯罪活动。",
    "要加强互联网领域的监管，依法打击利用信息网络实施的黑恶犯罪。",
    "物流寄递行业要严格落实实名收寄、收寄验视和过机安检制度。",
    "镇综治中心建立矛盾纠纷多元化解机制，力争“小事不出村、大事不出镇、矛盾不上交”。",
    "今年以来，全镇共排查化解各类矛盾纠纷 {n} 起，调解成功率达到 9{n}%。",
    "人民调解员主动介入，及时化解了一起可能引发群体性事件的土地纠纷。",
    "要坚持和发展新时代“枫桥经验”，把矛盾纠纷化解在基层、消除在萌芽状态。",
    "镇司法所开展“法律明白人”培训，每个村（社区）培养不少于 {n} 名法治带头人。",
    "法律援助中心为困难群众提供免费法律咨询和代理服务，咨询电话 12348。",
    "“法律明白人”要发挥好宣传员、调解员、信息员的作用。",
    "要加强对刑满释放人员、社区矫正对象的教育管理和帮扶，防止其重新违法犯罪。",
    "镇派出所组织开展夜间巡逻防控，重点加强对学校、医院、集市等人员密集场所的巡查。",
    "公安机关将持续加大对涉枪涉爆、寻衅滋事、聚众斗殴等违法犯罪的打击力度。",
    "全面落实“一村一辅警”制度，推动警力下沉、服务前移。",
    "要充分发挥“雪亮工程”作用，提升社会治安防控的科技化水平。",
    "全镇已建成视频监控点位 {n}00 余个，实现重点区域全覆盖。",
    "教育整顿期间，政法干警围绕执法司法突出问题开展自查自纠。",
    "要以刀刃向内的勇气，坚决清除害群之马，锻造忠诚干净担当的政法铁军。",
    "{d}召开党组理论学习中心组扩大会议，专题学习扫黑除恶常态化相关文件精神。",
    "学习会上，与会人员结合各自工作实际作了交流发言。",
    "要把学习成果转化为推动工作的实际行动，确保常态化扫黑除恶各项任务落地见效。",
    "督导组采取听取汇报、查阅资料、个别谈话、走访群众等方式开展督导。",
    "对督导中发现的问题，要建立整改台账，明确整改时限和责任人，确保整改到位。",
    "督导组指出，{v}在线索核查方面存在反馈不及时的问题，要求限期整改。",
    "整改情况将纳入年度平安建设考核，考核结果与评先评优挂钩。",
    "市级媒体以《青禾镇：常态化扫黑除恶守护一方平安》为题，报道了我镇的经验做法。",
    "省电视台新闻频道对我镇开展行业乱象整治的做法进行了专题报道。",
    "人民网、新华网等网络媒体转载了我镇典型案例，阅读量超过 {n} 万次。",
    "记者在{v}看到，昔日杂乱无序的集贸市场如今秩序井然、商户安心经营。",
    "“以前有人来收‘保护费’，现在再也没有了。”商户{p}告诉记者。",
    "据统计，全镇{y}年刑事案件发案数同比下降 {n}%，治安案件发案数同比下降 {n}%。",
    "群众对扫黑除恶工作的知晓率、支持率和满意率均保持在 95% 以上。",
    "各级党组织要切实担负起主体责任，把扫黑除恶常态化纳入重要议事日程。",
    "党员干部要带头学法守法用法，自觉同黑恶势力作坚决斗争。",
    "要坚决防止和纠正形式主义、官僚主义，切实为基层减负。",
    "宣传工作要注重针对性和实效性，防止“一阵风”“走过场”。",
    "要创新宣传方式，运用短视频、H5、微动漫等新媒体手段扩大宣传覆盖面。",
    "镇融媒体中心制作的扫黑除恶主题短视频在抖音平台播放量突破 {n} 万。",
    "全镇共张贴宣传海报 {n}00 余张，悬挂宣传横幅 {n}0 余条。",
    "宣传海报和二维码已张贴在各村（社区）公示栏、集贸市场和公交站点。",
    "开学第一课上，民警以身边案例为切入点，讲解如何识别和抵制校园欺凌。",
    "家长要加强对未成年子女的教育监护，防止其被黑恶势力拉拢利用。",
    "对未成年人违法犯罪，坚持教育、感化、挽救的方针，教育为主、惩罚为辅。",
    "民营企业家座谈会上，企业代表就优化法治化营商环境提出了意见建议。",
    "要依法保护民营企业合法权益，严厉打击侵害企业利益的黑恶犯罪。",
    "对涉企案件，要审慎采取查封、扣押、冻结等措施，最大限度减少对企业正常经营的影响。",
    "工程建设领域要严格落实招投标制度，坚决杜绝围标串标、强揽工程。",
    "村级集体“三资”管理要公开透明，接受群众监督，防止侵吞集体资产。",
    "{v}完成集体经济合同清理，收回被长期违规占用的集体土地 {n} 亩。",
    "农村土地承包经营纠纷要依法通过协商、调解、仲裁等途径解决。",
    "对非法采砂、非法捕捞等破坏生态资源的行为，坚持从严从快查处。",
    "禁毒工作是扫黑除恶的重要组成部分，要深入开展“清源断流”等专项行动。",
    "要深化校园禁毒宣传，教育青少年认清毒品危害，远离毒品。",
    "对聚众赌博、开设赌场等违法犯罪活动，发现一起，坚决查处一起。",
    "公共娱乐场所要落实主体责任，严禁为“黄赌毒”活动提供条件。",
    "公安机关将依法打击非法拘禁、暴力催收等违法犯罪活动。",
    "金融机构要加强风险提示，引导群众通过正规渠道借贷。",
    "2025 年起，镇扫黑办每季度向社会公布一次线索办理情况。",
    "本季度，全镇新增线索 {n} 条，办结率 100%。",
    "附件：1. 扫黑除恶常态化工作责任分工表；2. 线索举报登记表（DOCX）。",
    "详细内容请参阅附件中的 Excel 统计表。",
    "各村（社区）要确保宣传覆盖率达到 100%，做到家喻户晓、人人皆知。",
    "镇扫黑办将不定期开展明察暗访，对工作不力的单位予以通报批评。",
    "本次活动由{d}主办，{v}承办，县普法办提供业务指导。",
    "活动结束后，参与群众纷纷在扫黑除恶承诺墙上签名。",
    "现场还设置了有奖问答环节，吸引了不少群众参与。",
    "“没想到这些常见的事情里也藏着法律问题。”参与活动的村民{p}感慨道。",
    "下一步，{d}将继续加大宣传力度，不断提升群众的知晓率和参与度。",
    "下一步，我们将坚持问题导向，聚焦重点领域和薄弱环节，持续发力。",
    "下一步，{v}将把扫黑除恶常态化与人居环境整治、移风易俗结合起来。",
    "据了解，该案系{y}年我县办理的第 {n} 起涉恶案件。",
    "目前，案件正在进一步侦办中。",
    "法院审理查明，{p}为首的犯罪集团先后实施违法犯罪活动 {n} 起，造成恶劣社会影响。",
    "依照《中华人民共和国刑法》相关规定，法院依法作出上述判决。",
    "根据《中华人民共和国反有组织犯罪法》第十八条，县级以上人民政府应当建立有组织犯罪预防和治理长效机制。",
    "根据《中华人民共和国刑法》第二百九十四条，组织、领导黑社会性质组织的，处七年以上有期徒刑，并处没收财产。",
    "根据相关司法解释，多次实施“软暴力”行为、造成严重后果的，可以认定为寻衅滋事罪。",
    "两高两部《关于办理恶势力刑事案件若干问题的意见》对恶势力的认定标准作出了明确规定。",
    "《关于办理“套路贷”刑事案件若干问题的意见》明确了“套路贷”的概念和常见犯罪手法。",
    "非法放贷的认定，应当综合考虑放贷次数、放贷对象和年利率等因素。",
    "实际年利率超过 36% 的，属于依法应予打击的高利放贷行为。",
    "常见问题一：什么情况可以举报？凡是涉及黑恶势力违法犯罪的线索，均可举报。",
    "常见问题二：举报后多久有回复？一般情况下，线索核查结果将在 {n} 个工作日内反馈举报人。",
    "常见问题三：能否通过网络举报？可以，登录 www.12337.gov.cn 或使用相关 APP 即可在线举报。",
    "举报时请如实反映情况，不得捏造、歪曲事实。",
    "镇扫黑办对收到的每一条线索都逐一登记、逐一核查、逐一反馈。",
    "{v}网格员{p}在日常巡查中发现一起可疑聚集情况，第一时间上报镇综治中心。",
    "接报后，民警迅速赶赴现场处置，及时消除了隐患。",
    "该镇将扫黑除恶工作纳入网格化管理，全镇 {n} 个网格实现信息共享。",
    "通过“网格+警格”联动，实现了治安隐患早发现、早报告、早处置。",
    "{y}年{m}月，{d}与{v}签订共建协议，联合开展法治乡村建设。",
    "青禾镇获评{y}年度县级平安建设先进乡镇。",
    "{v}被评为省级“民主法治示范村”。",
    "{v}聘请法律顾问，每月定期到村开展法律咨询服务。",
    "镇扫黑办对{y}年度线索核查工作进行了“回头看”，未发现漏查漏报情况。",
    "各成员单位要加强信息共享，做到线索互通、资源共用、协同作战。",
    "要持续开展“无黑无恶”村（社区）创建活动，巩固扫黑除恶斗争成果。",
    "{d}将扫黑除恶常态化工作纳入党委（党组）理论学习和干部教育培训内容。",
    "集贸市场管理方与商户签订诚信经营承诺书 {n}00 余份。",
    "镇文化站组织文艺骨干编排了扫黑除恶主题小品和快板，在各村巡回演出。",
    "请广大群众相互转告，积极参与，共同维护良好的社会秩序。",
    "对涉黑涉恶问题突出的村（社区），实行挂牌整治、限期摘帽。",
    "本栏目内容如有更新，以镇政府网站最新发布为准。",
]

HEADINGS = [
    "工作背景", "总体要求", "主要任务", "工作措施", "职责分工", "时间安排", "工作要求",
    "组织领导", "宣传发动", "线索摸排", "依法打击", "源头治理", "督导检查", "工作成效",
    "基本案情", "办案经过", "法院判决", "以案释法", "典型意义", "案件警示", "举报渠道",
    "举报须知", "奖励标准", "保护措施", "政策要点", "适用范围", "名词解释", "常见问题",
    "活动概况", "群众反响", "下一步打算", "经验做法", "存在问题", "整改措施", "附件说明",
]
SUBHEADINGS = [
    "加强组织领导", "压实工作责任", "强化宣传引导", "深化线索核查", "突出重点打击",
    "推进行业整治", "完善长效机制", "严格督导问责", "注重舆论引导", "加强队伍建设",
]
CN_NUM = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]

TITLE_PATTERNS = {
    "zhengce": ["一图读懂{t}相关规定", "《反有组织犯罪法》解读之{c}：{h}", "政策问答：如何认定{t}",
                "关于{t}的政策解读", "常态化扫黑除恶{h}问答"],
    "dongtai": ["{d}召开扫黑除恶常态化工作推进会", "{d}开展{tag}专项行动", "{v}扎实推进扫黑除恶常态化工作",
                "{d}部署{y}年扫黑除恶重点工作", "{d}组织开展{tag}集中宣传活动"],
    "tongzhi": ["关于开展{tag}专项整治的通知", "关于公开征集{t}违法犯罪线索的通告", "{y}年第{c}批线索举报奖励公示",
                "关于报送扫黑除恶常态化工作总结的通知", "关于调整镇扫黑除恶领导小组成员的通知"],
    "anli": ["{p}等人{t}案", "以案释法：{t}典型案例", "{v}“村霸”{p}涉恶案宣判", "一起{tag}案件的办理经过"],
    "xuanjiao": ["扫黑除恶宣传进{v}", "{tag}知识进校园", "{d}举办{tag}主题宣传日活动", "“法律明白人”走进{v}"],
    "jubao": ["扫黑除恶线索举报指南（{y}年版）", "举报{t}线索须知", "常见问题：{tag}怎么举报"],
    "fagui": ["法律条文：{t}相关规定", "司法解释摘编之{c}", "《反有组织犯罪法》第{c}章要点"],
    "meiti": ["媒体聚焦：青禾镇{tag}工作见实效", "【转载】{d}：{h}的探索与实践", "央视报道：{v}的平安之变"],
    "cunju": ["{v}：{h}", "{v}召开{tag}专题会议", "{v}开展扫黑除恶入户宣传", "{v}{y}年扫黑除恶工作小结"],
    "bumen": ["{d}：{h}", "{d}联合{v}开展{tag}行动", "{d}通报{y}年{tag}工作情况"],
}

TABLE_HEADERS = [
    ["序号", "村（社区）", "排查线索（条）", "办结（条）", "办结率"],
    ["序号", "单位", "宣传场次", "发放资料（份）", "覆盖人数"],
    ["序号", "行业领域", "排查问题", "已整改", "整改率"],
]

LATIN_BITS = ["QR code", "APP", "WeChat", "PDF", "Excel", "H5", "DOCX", "Email", "GPS", "OK"]


# ---------------------------------------------------------------------------------------------
class Gen:
    def __init__(self, n_pages: int):
        self.n = n_pages
        self.r = random.Random(n_pages)

    # -- text ---------------------------------------------------------------------------------
    def fill(self, s: str) -> str:
        r = self.r
        if "{" not in s:
            return s
        return s.format(
            v=r.choice(VILLAGE_NAMES), d=r.choice(DEPTS), n=r.randint(2, 9), p=r.choice(PEOPLE),
            y=r.choice((2024, 2025, 2026)), m=r.randint(1, 12),
        )

    def sentence(self) -> str:
        return self.fill(self.r.choice(SENTENCES))

    def paragraph(self) -> str:
        return "".join(self.sentence() for _ in range(self.r.randint(2, 5)))

    def table(self) -> str:
        r = self.r
        hdr = r.choice(TABLE_HEADERS)
        rows = ["| " + " | ".join(hdr) + " |", "|" + "|".join(["---"] * len(hdr)) + "|"]
        names = VILLAGE_NAMES if hdr[1] != "单位" else DEPTS
        for i in range(r.randint(3, 7)):
            a = r.randint(5, 120)
            b = r.randint(max(1, a - 10), a)
            rows.append(f"| {i + 1} | {names[i % len(names)]} | {a} | {b} | {round(100 * b / a, 1)}% |")
        return "\n".join(rows)

    def body(self, target_bytes: int) -> str:
        r = self.r
        parts: list[str] = [self.paragraph(), "<!-- more -->"]
        size = len(parts[0].encode())
        heads = r.sample(HEADINGS, k=len(HEADINGS))
        hi = 0
        did_table = False
        while size < target_bytes:
            h = f"## {CN_NUM[hi % 10]}、{heads[hi % len(heads)]}"
            hi += 1
            block = [h, self.paragraph()]
            k = r.random()
            if k < 0.25:
                block.append("\n".join(f"- {self.sentence()}" for _ in range(r.randint(3, 5))))
            elif k < 0.40:
                block.append("\n".join(f"{i + 1}. {self.sentence()}" for i in range(r.randint(3, 5))))
            elif k < 0.55:
                for j in range(r.randint(2, 3)):
                    block.append(f"### （{CN_NUM[j]}）{r.choice(SUBHEADINGS)}")
                    block.append(self.paragraph())
            if not did_table and r.random() < 0.12:
                block.append(self.table())
                did_table = True
            if r.random() < 0.3:
                block.append(f"> 举报电话：12337（全国扫黑办） 0123-6110110（镇扫黑办）")
            block.append(self.paragraph())
            text = "\n\n".join(block)
            parts.append(text)
            size += len(text.encode())
        if r.random() < 0.2:
            parts.append(f"**附：** 本文 {r.choice(LATIN_BITS)} 版本同步发布于“平安青禾”公众号。")
        return "\n\n".join(parts) + "\n"

    def title(self, top: str) -> str:
        r = self.r
        pat = r.choice(TITLE_PATTERNS[top])
        return pat.format(
            t=r.choice(TARGETS), tag=r.choice(TAGS), d=r.choice(DEPTS), v=r.choice(VILLAGE_NAMES),
            y=r.choice((2024, 2025, 2026)), c=CN_NUM[r.randint(0, 9)], h=r.choice(HEADINGS),
            p=r.choice(PEOPLE),
        )


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_list(xs: list[str]) -> str:
    return "[" + ", ".join(toml_str(x) for x in xs) + "]"


def write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


# ---------------------------------------------------------------------------------------------
# Templates. Both sets render the same things: a head with meta + feed link, a nav of the top
# sections, a breadcrumb, the body, a table of contents, taxonomy links, previous/next links,
# paginated lists with summaries, term lists with counts, and a footer.

CSS = """body{font:16px/1.7 "Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#222}
header{background:#b71c1c;color:#fff;padding:.6em 1em}header a{color:#fff;text-decoration:none}
nav.top a{color:#fff;margin-right:1em}main{max-width:60em;margin:auto;padding:1em}
.toc{float:right;width:16em;border:1px solid #ddd;padding:.5em;margin:0 0 1em 1em;font-size:.9em}
.crumbs{font-size:.9em;color:#666}.meta{color:#666}.terms a{margin-right:.6em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em}
ul.list li{margin:.6em 0}.pager a{margin:0 .5em}footer{background:#eee;padding:1em;text-align:center}
"""

PLACARD_TEMPLATES = {
    "base.html": """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{{ config.title }}{% endblock title %}</title>
<meta name="description" content="{% block description %}{{ config.description }}{% endblock description %}">
<link rel="canonical" href="{{ current_url }}">
<link rel="alternate" type="application/atom+xml" title="{{ config.title }}" href="{{ config.base_url }}/atom.xml">
<link rel="stylesheet" href="{{ config.base_url }}/css/site.css">
</head>
<body>
<header>
<a class="brand" href="{{ config.base_url }}/">{{ config.title }}</a>
<nav class="top">{% for n in config.extra.nav %}<a href="{{ config.base_url }}{{ n.url }}"{% if current_path is starting_with(n.url) %} class="on"{% endif %}>{{ n.name }}</a>{% endfor %}</nav>
</header>
<main>
{% block content %}{% endblock content %}
</main>
<footer>
<p>{{ config.extra.org }} · 举报电话 {{ config.extra.hotline }} · 镇扫黑办 {{ config.extra.phone }}</p>
<p>{{ config.extra.icp }}</p>
</footer>
</body>
</html>
""",
    "index.html": """{% extends "base.html" %}
{% block content %}
<section class="intro">{{ section.content | safe }}</section>
{% for s in section.subsections %}{% set sub = get_section(path=s) %}
<section class="col">
<h2><a href="{{ sub.permalink }}">{{ sub.title }}</a></h2>
<ul>{% for p in sub.pages | slice(end=5) %}<li><a href="{{ p.permalink }}">{{ p.title }}</a> <time>{{ p.date }}</time></li>{% endfor %}</ul>
</section>
{% endfor %}
{% endblock content %}
""",
    "section.html": """{% extends "base.html" %}
{% block title %}{{ section.title }} - {{ config.title }}{% endblock title %}
{% block content %}
<nav class="crumbs"><a href="{{ config.base_url }}/">首页</a>{% for a in section.ancestors %}{% if a != "_index.md" %}{% set s = get_section(path=a, metadata_only=true) %} › <a href="{{ s.permalink }}">{{ s.title }}</a>{% endif %}{% endfor %} › {{ section.title }}</nav>
<h1>{{ section.title }}</h1>
{{ section.content | safe }}
{% if section.subsections %}<ul class="subs">{% for s in section.subsections %}{% set sub = get_section(path=s, metadata_only=true) %}<li><a href="{{ sub.permalink }}">{{ sub.title }}</a></li>{% endfor %}</ul>{% endif %}
{% if paginator %}
<ul class="list">{% for p in paginator.pages %}
<li><a href="{{ p.permalink }}">{{ p.title }}</a> <time>{{ p.date }}</time>{% if p.summary %}<div class="summary">{{ p.summary | safe }}</div>{% endif %}</li>{% endfor %}
</ul>
<nav class="pager">{% if paginator.previous %}<a href="{{ paginator.first }}">首页</a><a href="{{ paginator.previous }}">上一页</a>{% endif %}<span>第 {{ paginator.current_index }} / {{ paginator.total_pages }} 页</span>{% if paginator.next %}<a href="{{ paginator.next }}">下一页</a><a href="{{ paginator.last }}">末页</a>{% endif %}</nav>
{% endif %}
{% endblock content %}
""",
    "page.html": """{% extends "base.html" %}
{% block title %}{{ page.title }} - {{ config.title }}{% endblock title %}
{% block description %}{{ page.description | default(value=config.description) }}{% endblock description %}
{% block content %}
<nav class="crumbs"><a href="{{ config.base_url }}/">首页</a>{% for a in page.ancestors %}{% if a != "_index.md" %}{% set s = get_section(path=a, metadata_only=true) %} › <a href="{{ s.permalink }}">{{ s.title }}</a>{% endif %}{% endfor %}</nav>
<article>
<h1>{{ page.title }}</h1>
<p class="meta">发布日期：{{ page.date | date_zh }} · 约 {{ page.word_count }} 字 · 阅读约 {{ page.reading_time }} 分钟</p>
{% if page.toc %}<aside class="toc"><strong>目录</strong><ul>{% for h in page.toc %}<li><a href="#{{ h.id }}">{{ h.title }}</a>{% if h.children %}<ul>{% for c in h.children %}<li><a href="#{{ c.id }}">{{ c.title }}</a></li>{% endfor %}</ul>{% endif %}</li>{% endfor %}</ul></aside>{% endif %}
{{ page.content | safe }}
<div class="terms">
{% if page.taxonomies.targets %}<p>重点对象：{% for t in page.taxonomies.targets %}<a href="{{ get_taxonomy_url(kind="targets", name=t) }}">{{ t }}</a>{% endfor %}</p>{% endif %}
{% if page.taxonomies.tags %}<p>标签：{% for t in page.taxonomies.tags %}<a href="{{ get_taxonomy_url(kind="tags", name=t) }}">{{ t }}</a>{% endfor %}</p>{% endif %}
</div>
<nav class="pn">{% if page.higher %}<a href="{{ page.higher.permalink }}">上一篇：{{ page.higher.title }}</a>{% endif %}{% if page.lower %}<a href="{{ page.lower.permalink }}">下一篇：{{ page.lower.title }}</a>{% endif %}</nav>
</article>
{% endblock content %}
""",
    "taxonomy_list.html": """{% extends "base.html" %}
{% block title %}{{ taxonomy.name }} - {{ config.title }}{% endblock title %}
{% block content %}
<h1>{% if taxonomy.name == "targets" %}重点对象{% else %}标签{% endif %}</h1>
<ul class="terms">{% for t in terms %}<li><a href="{{ t.permalink }}">{{ t.name }}</a> ({{ t.page_count }})</li>{% endfor %}</ul>
{% endblock content %}
""",
    "taxonomy_single.html": """{% extends "base.html" %}
{% block title %}{{ term.name }} - {{ config.title }}{% endblock title %}
{% block content %}
<nav class="crumbs"><a href="{{ config.base_url }}/">首页</a> › <a href="{{ config.base_url }}/{{ taxonomy.name }}/">{% if taxonomy.name == "targets" %}重点对象{% else %}标签{% endif %}</a> › {{ term.name }}</nav>
<h1>{{ term.name }}</h1>
<p>共 {{ term.page_count }} 篇</p>
{% if paginator %}
<ul class="list">{% for p in paginator.pages %}
<li><a href="{{ p.permalink }}">{{ p.title }}</a> <time>{{ p.date }}</time>{% if p.summary %}<div class="summary">{{ p.summary | safe }}</div>{% endif %}</li>{% endfor %}
</ul>
<nav class="pager">{% if paginator.previous %}<a href="{{ paginator.first }}">首页</a><a href="{{ paginator.previous }}">上一页</a>{% endif %}<span>第 {{ paginator.current_index }} / {{ paginator.total_pages }} 页</span>{% if paginator.next %}<a href="{{ paginator.next }}">下一页</a><a href="{{ paginator.last }}">末页</a>{% endif %}</nav>
{% else %}
<ul class="list">{% for p in term.pages %}<li><a href="{{ p.permalink }}">{{ p.title }}</a> <time>{{ p.date }}</time></li>{% endfor %}</ul>
{% endif %}
{% endblock content %}
""",
    "404.html": """{% extends "base.html" %}
{% block content %}<h1>页面不存在</h1><p><a href="{{ config.base_url }}/">返回首页</a></p>{% endblock content %}
""",
}


# The templates a Zola user writes: a base whose nav walks the section tree with
# get_section(metadata_only=true) on every page, macros for list items and pagers, get_taxonomy for a
# tag cloud on the home page, and the home page listing the newest pages of each section.
ZOLA_TEMPLATES = {
    "macros.html": """{% macro page_item(p) %}<li><a href="{{ p.permalink | safe }}">{{ p.title }}</a> <time>{{ p.date | date(format="%Y-%m-%d") }}</time>{% if p.summary %}<div class="summary">{{ p.summary | safe }}</div>{% endif %}</li>{% endmacro page_item %}
{% macro pager(paginator) %}<nav class="pager">{% if paginator.previous %}<a href="{{ paginator.first }}">首页</a><a href="{{ paginator.previous }}">上一页</a>{% endif %}<span>第 {{ paginator.current_index }} / {{ paginator.number_pagers }} 页</span>{% if paginator.next %}<a href="{{ paginator.next }}">下一页</a><a href="{{ paginator.last }}">末页</a>{% endif %}</nav>{% endmacro pager %}
{% macro crumbs(ancestors) %}<nav class="crumbs"><a href="{{ config.base_url }}/">首页</a>{% for a in ancestors %}{% if a != "_index.md" %}{% set s = get_section(path=a, metadata_only=true) %} › <a href="{{ s.permalink }}">{{ s.title }}</a>{% endif %}{% endfor %}</nav>{% endmacro crumbs %}
""",
    "base.html": """{% import "macros.html" as macros %}<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{{ config.title }}{% endblock title %}</title>
<meta name="description" content="{% block description %}{{ config.description }}{% endblock description %}">
<link rel="canonical" href="{{ current_url | safe }}">
<link rel="alternate" type="application/atom+xml" title="{{ config.title }}" href="{{ get_url(path="atom.xml", trailing_slash=false) | safe }}">
<link rel="stylesheet" href="{{ get_url(path="css/site.css") | safe }}">
</head>
<body>
<header>
<a class="brand" href="{{ config.base_url }}/">{{ config.title }}</a>
{% set root = get_section(path="_index.md", metadata_only=true) %}
<nav class="top"><ul>{% for s in root.subsections %}{% set sub = get_section(path=s, metadata_only=true) %}
<li><a href="{{ sub.permalink | safe }}"{% if current_path is starting_with(sub.path) %} class="on"{% endif %}>{{ sub.title }}</a>{% if sub.subsections %}<ul>{% for c in sub.subsections %}{% set child = get_section(path=c, metadata_only=true) %}<li><a href="{{ child.permalink | safe }}">{{ child.title }}</a></li>{% endfor %}</ul>{% endif %}</li>{% endfor %}
</ul></nav>
</header>
<main>
{% block content %}{% endblock content %}
</main>
<footer>
<p>{{ config.extra.org }} · 举报电话 {{ config.extra.hotline }} · 镇扫黑办 {{ config.extra.phone }}</p>
<p>{{ config.extra.icp }}</p>
</footer>
</body>
</html>
""",
    "index.html": """{% extends "base.html" %}
{% block content %}
<section class="intro">{{ section.content | safe }}</section>
{% for s in section.subsections %}{% set sub = get_section(path=s) %}
<section class="col">
<h2><a href="{{ sub.permalink }}">{{ sub.title }}</a></h2>
<ul>{% for p in sub.pages | slice(end=5) %}{{ macros::page_item(p=p) }}{% endfor %}</ul>
</section>
{% endfor %}
{% set tags = get_taxonomy(kind="tags") %}
<section class="cloud"><h2>标签</h2>{% for t in tags.items %}<a href="{{ t.permalink }}">{{ t.name }}</a> <small>{{ t.page_count }}</small> {% endfor %}</section>
{% endblock content %}
""",
    "section.html": """{% extends "base.html" %}
{% block title %}{{ section.title }} - {{ config.title }}{% endblock title %}
{% block content %}
{{ macros::crumbs(ancestors=section.ancestors) }}
<h1>{{ section.title }}</h1>
{{ section.content | safe }}
{% if section.subsections %}<ul class="subs">{% for s in section.subsections %}{% set sub = get_section(path=s, metadata_only=true) %}<li><a href="{{ sub.permalink }}">{{ sub.title }}</a> ({{ sub.page_count }})</li>{% endfor %}</ul>{% endif %}
<ul class="list">{% for p in paginator.pages %}{{ macros::page_item(p=p) }}{% endfor %}</ul>
{{ macros::pager(paginator=paginator) }}
{% endblock content %}
""",
    "page.html": """{% extends "base.html" %}
{% block title %}{{ page.title }} - {{ config.title }}{% endblock title %}
{% block description %}{{ page.description | default(value=config.description) }}{% endblock description %}
{% block content %}
{{ macros::crumbs(ancestors=page.ancestors) }}
<article>
<h1>{{ page.title }}</h1>
<p class="meta">发布日期：{{ page.date | date(format="%Y年%m月%d日") }} · 约 {{ page.word_count }} 字 · 阅读约 {{ page.reading_time }} 分钟</p>
{% if page.toc %}<aside class="toc"><strong>目录</strong><ul>{% for h in page.toc %}<li><a href="#{{ h.id }}">{{ h.title }}</a>{% if h.children %}<ul>{% for c in h.children %}<li><a href="#{{ c.id }}">{{ c.title }}</a></li>{% endfor %}</ul>{% endif %}</li>{% endfor %}</ul></aside>{% endif %}
{{ page.content | safe }}
<div class="terms">
{% if page.taxonomies.targets %}<p>重点对象：{% for t in page.taxonomies.targets %}<a href="{{ get_taxonomy_url(kind="targets", name=t) | safe }}">{{ t }}</a>{% endfor %}</p>{% endif %}
{% if page.taxonomies.tags %}<p>标签：{% for t in page.taxonomies.tags %}<a href="{{ get_taxonomy_url(kind="tags", name=t) | safe }}">{{ t }}</a>{% endfor %}</p>{% endif %}
</div>
<nav class="pn">{% if page.higher %}<a href="{{ page.higher.permalink | safe }}">上一篇：{{ page.higher.title }}</a>{% endif %}{% if page.lower %}<a href="{{ page.lower.permalink | safe }}">下一篇：{{ page.lower.title }}</a>{% endif %}</nav>
</article>
{% endblock content %}
""",
    "taxonomy_list.html": """{% extends "base.html" %}
{% block title %}{{ taxonomy.name }} - {{ config.title }}{% endblock title %}
{% block content %}
<h1>{% if taxonomy.name == "targets" %}重点对象{% else %}标签{% endif %}</h1>
<ul class="terms">{% for t in terms %}<li><a href="{{ t.permalink }}">{{ t.name }}</a> ({{ t.page_count }})</li>{% endfor %}</ul>
{% endblock content %}
""",
    "taxonomy_single.html": """{% extends "base.html" %}
{% block title %}{{ term.name }} - {{ config.title }}{% endblock title %}
{% block content %}
<nav class="crumbs"><a href="{{ config.base_url }}/">首页</a> › <a href="{{ get_url(path=taxonomy.name, trailing_slash=true) }}">{% if taxonomy.name == "targets" %}重点对象{% else %}标签{% endif %}</a> › {{ term.name }}</nav>
<h1>{{ term.name }}</h1>
<p>共 {{ term.page_count }} 篇</p>
<ul class="list">{% for p in paginator.pages %}{{ macros::page_item(p=p) }}{% endfor %}</ul>
{{ macros::pager(paginator=paginator) }}
{% endblock content %}
""",
    "404.html": """{% extends "base.html" %}
{% block content %}<h1>页面不存在</h1><p><a href="{{ config.base_url }}/">返回首页</a></p>{% endblock content %}
""",
}

HUGO_LAYOUTS = {
    "_default/baseof.html": """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ block "title" . }}{{ .Site.Title }}{{ end }}</title>
<meta name="description" content="{{ with .Description }}{{ . }}{{ else }}{{ .Site.Params.description }}{{ end }}">
<link rel="canonical" href="{{ .Permalink }}">
{{ with .Site.Home.OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" title="{{ $.Site.Title }}" href="{{ .Permalink }}">{{ end }}
<link rel="stylesheet" href="{{ "css/site.css" | absURL }}">
</head>
<body>
<header>
<a class="brand" href="{{ .Site.Home.Permalink }}">{{ .Site.Title }}</a>
<nav class="top">{{ $cur := .RelPermalink }}{{ range .Site.Params.nav }}<a href="{{ .url | absURL }}"{{ if hasPrefix $cur .url }} class="on"{{ end }}>{{ .name }}</a>{{ end }}</nav>
</header>
<main>
{{ block "main" . }}{{ end }}
</main>
<footer>
<p>{{ .Site.Params.org }} · 举报电话 {{ .Site.Params.hotline }} · 镇扫黑办 {{ .Site.Params.phone }}</p>
<p>{{ .Site.Params.icp }}</p>
</footer>
</body>
</html>
""",
    "index.html": """{{ define "main" }}
<section class="intro">{{ .Content }}</section>
{{ range .Sections.ByWeight }}
<section class="col">
<h2><a href="{{ .Permalink }}">{{ .Title }}</a></h2>
<ul>{{ range first 5 .RegularPages.ByDate.Reverse }}<li><a href="{{ .Permalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>{{ end }}</ul>
</section>
{{ end }}
{{ end }}
""",
    "_default/list.html": """{{ define "title" }}{{ .Title }} - {{ .Site.Title }}{{ end }}
{{ define "main" }}
<nav class="crumbs"><a href="{{ .Site.Home.Permalink }}">首页</a>{{ range .Ancestors.Reverse }}{{ if not .IsHome }} › <a href="{{ .Permalink }}">{{ .Title }}</a>{{ end }}{{ end }} › {{ .Title }}</nav>
<h1>{{ .Title }}</h1>
{{ .Content }}
{{ with .Sections }}<ul class="subs">{{ range .ByWeight }}<li><a href="{{ .Permalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
{{ $pag := .Paginate .RegularPages.ByDate.Reverse }}
<ul class="list">{{ range $pag.Pages }}
<li><a href="{{ .Permalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time>{{ with .Summary }}<div class="summary">{{ . }}</div>{{ end }}</li>{{ end }}
</ul>
<nav class="pager">{{ if $pag.HasPrev }}<a href="{{ $pag.First.URL }}">首页</a><a href="{{ $pag.Prev.URL }}">上一页</a>{{ end }}<span>第 {{ $pag.PageNumber }} / {{ $pag.TotalPages }} 页</span>{{ if $pag.HasNext }}<a href="{{ $pag.Next.URL }}">下一页</a><a href="{{ $pag.Last.URL }}">末页</a>{{ end }}</nav>
{{ end }}
""",
    "_default/single.html": """{{ define "title" }}{{ .Title }} - {{ .Site.Title }}{{ end }}
{{ define "main" }}
<nav class="crumbs"><a href="{{ .Site.Home.Permalink }}">首页</a>{{ range .Ancestors.Reverse }}{{ if not .IsHome }} › <a href="{{ .Permalink }}">{{ .Title }}</a>{{ end }}{{ end }}</nav>
<article>
<h1>{{ .Title }}</h1>
<p class="meta">发布日期：{{ .Date.Format "2006年1月2日" }} · 约 {{ .WordCount }} 字 · 阅读约 {{ .ReadingTime }} 分钟</p>
{{ with .TableOfContents }}<aside class="toc"><strong>目录</strong>{{ . }}</aside>{{ end }}
{{ .Content }}
<div class="terms">
{{ with .GetTerms "targets" }}<p>重点对象：{{ range . }}<a href="{{ .Permalink }}">{{ .LinkTitle }}</a>{{ end }}</p>{{ end }}
{{ with .GetTerms "tags" }}<p>标签：{{ range . }}<a href="{{ .Permalink }}">{{ .LinkTitle }}</a>{{ end }}</p>{{ end }}
</div>
<nav class="pn">{{ with .NextInSection }}<a href="{{ .Permalink }}">上一篇：{{ .Title }}</a>{{ end }}{{ with .PrevInSection }}<a href="{{ .Permalink }}">下一篇：{{ .Title }}</a>{{ end }}</nav>
</article>
{{ end }}
""",
    "_default/terms.html": """{{ define "title" }}{{ .Title }} - {{ .Site.Title }}{{ end }}
{{ define "main" }}
<h1>{{ if eq .Data.Plural "targets" }}重点对象{{ else }}标签{{ end }}</h1>
<ul class="terms">{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.Permalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>
{{ end }}
""",
    "_default/taxonomy.html": """{{ define "title" }}{{ .Title }} - {{ .Site.Title }}{{ end }}
{{ define "main" }}
<nav class="crumbs"><a href="{{ .Site.Home.Permalink }}">首页</a> › <a href="{{ .Parent.Permalink }}">{{ if eq .Data.Plural "targets" }}重点对象{{ else }}标签{{ end }}</a> › {{ .Title }}</nav>
<h1>{{ .Title }}</h1>
<p>共 {{ len .Pages }} 篇</p>
{{ $pag := .Paginate .Pages.ByDate.Reverse }}
<ul class="list">{{ range $pag.Pages }}
<li><a href="{{ .Permalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time>{{ with .Summary }}<div class="summary">{{ . }}</div>{{ end }}</li>{{ end }}
</ul>
<nav class="pager">{{ if $pag.HasPrev }}<a href="{{ $pag.First.URL }}">首页</a><a href="{{ $pag.Prev.URL }}">上一页</a>{{ end }}<span>第 {{ $pag.PageNumber }} / {{ $pag.TotalPages }} 页</span>{{ if $pag.HasNext }}<a href="{{ $pag.Next.URL }}">下一页</a><a href="{{ $pag.Last.URL }}">末页</a>{{ end }}</nav>
{{ end }}
""",
    "404.html": """{{ define "main" }}<h1>页面不存在</h1><p><a href="{{ .Site.Home.Permalink }}">返回首页</a></p>{{ end }}
""",
}

NAV = [("政策解读", "/zhengce/"), ("工作动态", "/dongtai/"), ("通知公告", "/tongzhi/"),
       ("典型案例", "/anli/"), ("宣传教育", "/xuanjiao/"), ("举报指南", "/jubao/"),
       ("村居动态", "/cunju/"), ("重点对象", "/targets/")]

EXTRA = {
    "org": "青禾镇扫黑除恶常态化工作领导小组办公室",
    "hotline": "12337",
    "phone": "0123-6110110",
    "icp": "青ICP备00000000号",
}


def placard_config() -> str:
    lines = [
        f"base_url = {toml_str(BASE_URL)}",
        f"title = {toml_str(SITE_TITLE)}",
        f"description = {toml_str(SITE_DESC)}",
        'default_language = "zh-CN"',
        "generate_feeds = true",
        "taxonomies = [",
        '  { name = "targets", paginate_by = 10, feed = true },',
        '  { name = "tags", paginate_by = 10 },',
        "]",
        "",
        "[extra]",
    ]
    lines += [f"{k} = {toml_str(v)}" for k, v in EXTRA.items()]
    lines.append("nav = [")
    lines += [f"  {{ name = {toml_str(n)}, url = {toml_str(u)} }}," for n, u in NAV]
    lines.append("]")
    return "\n".join(lines) + "\n"


def hugo_config() -> str:
    lines = [
        f"baseURL = {toml_str(BASE_URL + '/')}",
        f"title = {toml_str(SITE_TITLE)}",
        'languageCode = "zh-CN"',
        'defaultContentLanguage = "zh"',
        "hasCJKLanguage = true",
        "buildFuture = true",
        "paginate = 10",
        "pluralizeListTitles = false",
        # placard writes robots.txt and sitemap.xml too.
        "enableRobotsTXT = true",
        "",
        # Match placard's feeds: one for the whole site and one per `targets` term, newest 20 pages
        # each (placard's default feed_limit). Hugo writes RSS with its built-in template (summaries)
        # where placard writes Atom (full content). `tags` terms get no feed: see content/tags/_index.md.
        "[services.rss]",
        "  limit = 20",
        "",
        "[taxonomies]",
        '  target = "targets"',
        '  tag = "tags"',
        "",
        "[outputs]",
        '  home = ["HTML", "RSS"]',
        '  section = ["HTML"]',
        '  taxonomy = ["HTML"]',
        '  term = ["HTML", "RSS"]',
        "",
        "[params]",
        f"  description = {toml_str(SITE_DESC)}",
    ]
    lines += [f"  {k} = {toml_str(v)}" for k, v in EXTRA.items()]
    for n, u in NAV:
        lines += ["  [[params.nav]]", f"    name = {toml_str(n)}", f"    url = {toml_str(u)}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
def plan(g: Gen):
    """Returns (sections, pages). A section: (relpath dir, title, weight, intro, top).
    A page: (relpath file, title, date, description, targets, tags, body)."""
    r = g.r
    sections = []
    leaves = []  # (dir, top, share)
    for d, t, w, share in SECTIONS:
        sections.append((d, t, w, SECTION_INTRO[d], d))
        leaves.append((d, d, share))
        for cd, ct, cw, cshare in CHILDREN.get(d, []):
            sections.append((f"{d}/{cd}", ct, cw, f"{ct}扫黑除恶常态化工作动态。", d))
            leaves.append((f"{d}/{cd}", d, cshare))
    weights = [s for _, _, s in leaves]
    start = date(2024, 1, 1)
    span = (date(2026, 12, 31) - start).days + 1
    pages = []
    for i in range(g.n):
        d, top, _ = r.choices(leaves, weights=weights)[0]
        title = g.title(top)
        day = start + timedelta(days=r.randrange(span))
        targets = sorted(r.sample(TARGETS, k=r.randint(1, 3)), key=TARGETS.index)
        tags = sorted(r.sample(TAGS, k=r.randint(1, 3)), key=TAGS.index)
        desc = g.sentence()
        body = g.body(r.randint(2300, 5000))
        pages.append((f"{d}/a{i + 1:05d}.md", title, day, desc, targets, tags, body))
    return sections, pages


def emit(out: str, flavor: str, n_pages: int) -> None:
    g = Gen(n_pages)
    sections, pages = plan(g)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    c = os.path.join(out, "content")
    home_intro = ("欢迎访问" + SITE_TITLE + "。扫黑除恶，人人有责。举报电话 12337，镇扫黑办 0123-6110110。\n")

    if flavor in ("placard", "zola", "theme"):
        config = placard_config()
        if flavor == "theme":
            # The built-in theme, with no templates of the site's own.
            config = 'theme = "default"\n' + config
        write(os.path.join(out, "config.toml"), config)
        write(os.path.join(c, "_index.md"), f"+++\ntitle = {toml_str(SITE_TITLE)}\n+++\n\n{home_intro}")
        for d, t, w, intro, _ in sections:
            write(os.path.join(c, d, "_index.md"),
                  f"+++\ntitle = {toml_str(t)}\nsort_by = \"date\"\npaginate_by = 10\nweight = {w}\n+++\n\n{intro}\n")
        for path, title, day, desc, targets, tags, body in pages:
            fm = (f"+++\ntitle = {toml_str(title)}\ndate = {day.isoformat()}\ndescription = {toml_str(desc)}\n"
                  f"\n[taxonomies]\ntargets = {toml_list(targets)}\ntags = {toml_list(tags)}\n+++\n\n")
            write(os.path.join(c, path), fm + body)
        templates = {"placard": PLACARD_TEMPLATES, "zola": ZOLA_TEMPLATES, "theme": {}}[flavor]
        for name, text in templates.items():
            write(os.path.join(out, "templates", name), text)
        if flavor != "theme":
            write(os.path.join(out, "static", "css", "site.css"), CSS)
    elif flavor == "hugo":
        write(os.path.join(out, "config.toml"), hugo_config())
        write(os.path.join(c, "_index.md"), f"+++\ntitle = {toml_str(SITE_TITLE)}\n+++\n\n{home_intro}")
        # Taxonomy list pages: titles, and no RSS below `tags` (placard has feed=true only on targets).
        write(os.path.join(c, "targets", "_index.md"), '+++\ntitle = "重点对象"\n+++\n')
        write(os.path.join(c, "tags", "_index.md"),
              '+++\ntitle = "标签"\n[cascade]\noutputs = ["HTML"]\n+++\n')
        for d, t, w, intro, _ in sections:
            write(os.path.join(c, d, "_index.md"), f"+++\ntitle = {toml_str(t)}\nweight = {w}\n+++\n\n{intro}\n")
        for path, title, day, desc, targets, tags, body in pages:
            fm = (f"+++\ntitle = {toml_str(title)}\ndate = {day.isoformat()}\ndescription = {toml_str(desc)}\n"
                  f"targets = {toml_list(targets)}\ntags = {toml_list(tags)}\n+++\n\n")
            write(os.path.join(c, path), fm + body.replace("<!-- more -->", "<!--more-->"))
        for name, text in HUGO_LAYOUTS.items():
            write(os.path.join(out, "layouts", name), text)
        write(os.path.join(out, "static", "css", "site.css"), CSS)
    else:
        raise SystemExit(f"unknown flavor {flavor!r}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, required=True, help="number of pages (N)")
    ap.add_argument("--out", required=True, help="output site directory (replaced)")
    ap.add_argument("--flavor", choices=("placard", "zola", "theme", "hugo"), required=True)
    a = ap.parse_args(argv)
    if a.pages < 1:
        ap.error("--pages must be at least 1")
    emit(a.out, a.flavor, a.pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
