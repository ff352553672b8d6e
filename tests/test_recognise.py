"""Recognise: quoted names, head words, lists, lexicons and exclusions (invented sentences)."""

from __future__ import annotations

import itertools

import pytest

from kg.pipeline import nlp

FOUND = [
    ("a verb of support opens no name", "助力临江科技产业园完成投资。", ("临江科技产业园", "Project")),
    ("a title may hold 的", "印发《关于支持企业发展的若干措施》。", ("关于支持企业发展的若干措施", "Program")),
    ("a verb opens no name", "做大临江财富管理集聚区，用好政策。", ("临江财富管理集聚区", "Project")),
    ("a verb tagged as a guessed word opens no name", "（五）聚力乡村振兴，建设和美乡村。", ("乡村振兴", "Program")),
    ("counted metaphors name a formula", "全力打造“八个高地”。", ("八个高地", "Program")),
    ("a region's body by its prefix", "抓好市图书馆、广电中心建设。", ("市图书馆", "Project")),
    ("a strategy named by one noun", "大力实施名牌战略。", ("名牌战略", "Program")),
    ("a shared head closes a listed name", "建成地铁5号线、9号线贯通南北。", ("9号线", "Project")),
    ("a named community health centre", "临溪社康中心投入使用。", ("临溪社康中心", "Project")),
    ("a place before 国际化 is the place", "推进临江国际化水平提升。", ("临江", "Place")),
    ("a numbered gathering after its host", "成功举办临江第八届世界浙商大会。", ("临江第八届世界浙商大会", "Event")),
    ("a numbered gathering is an event", "举办第六届临江国际物流发展大会。", ("第六届临江国际物流发展大会", "Event")),
    ("a substation listed before 等变电站", "建成青溪等3个110千伏变电站。", ("青溪", "Project")),
    ("a town's own square, named by one noun", "完成人民广场改造。", ("人民广场", "Project")),
    ("quoted program", "深入实施“清风行动”，成效明显。", ("清风行动", "Program")),
    ("quoted, typed by what follows", "推进“两网融合”改革。", ("两网融合", "Program")),
    (
        "policy document in title marks",
        "出台《临江县老旧小区改造管理办法》。",
        ("临江县老旧小区改造管理办法", "Program"),
    ),
    ("numbered code name", "完成“3+1”产业布局。", ("3+1", "Program")),
    ("coordinated places", "与北京、上海、广州开展合作。", ("上海", "Place")),
    ("a field word after the class noun", "在青枫、云栖等项目方面取得新进展。", ("青枫", "Project")),
    ("project by head word", "建成滨江大厦、星河国际等5个项目。", ("滨江大厦", "Project")),
    ("list sibling takes the type", "建成滨江大厦、星河国际等5个项目。", ("星河国际", "Project")),
    ("body by short name", "区政府、区政协和区人大常委会召开会议。", ("区政协", "Organization")),
    ("place + organisation is one", "与德国慕尼黑工业大学合作。", ("德国慕尼黑工业大学", "Organization")),
    ("organisation after a verb", "引进华兴银行、远航集团。", ("远航集团", "Organization")),
    ("event with ordinal", "成功举办第三届临江国际龙舟节。", ("第三届临江国际龙舟节", "Event")),
    ("coordinated programs", "河长制、湖长制全面落实。", ("湖长制", "Program")),
    ("bridge is a place", "新港大桥竣工通车。", ("新港大桥", "Place")),
    ("division short form", "一批企业落户拱墅。", ("拱墅", "Place")),
    ("university by short form", "加强与浙江农大合作。", ("浙江农大", "Organization")),
    ("split ordinal opens an event", "亮相第18届莫斯科电视节。", ("第18届莫斯科电视节", "Event")),
    ("villages listed before a project class", "石湖村、上沙村等城中村改造项目推进。", ("上沙村", "Place")),
    ("event by new head word", "举办临江国际马拉松。", ("临江国际马拉松", "Event")),
    ("relocation works is the project's name", "启动区图书馆迁建。", ("区图书馆迁建", "Project")),
    ("road from a guessed word", "以临平街为中心。", ("临平街", "Place")),
    ("names beside a village in a list", "基本完成林家埭、青坞、石塘村拆迁。", ("青坞", "Place")),
    ("a body's base is the body's", "设立上交所临江基地。", ("上交所临江基地", "Organization")),
    ("bodies listed before a built word are projects", "推进区人民医院、城北活动中心建设。", ("区人民医院", "Project")),
    ("an ordinal inside a body's name", "推进市第二人民医院迁建。", ("市第二人民医院迁建", "Project")),
    ("a national programme by its fixed name", "做好对口支援和东西部扶贫协作。", ("对口支援", "Program")),
    ("opened quoted name is a built thing", "“临江书房”“运河驿站”等正式投入使用。", ("临江书房", "Project")),
    ("a metro line", "加快建设地铁9号线。", ("地铁9号线", "Project")),
    ("a pilot zone the region runs", "申报省级金融改革试点区。", ("省级金融改革试点区", "Program")),
    ("a range of plot numbers", "临江1至5号地块完成出让。", ("临江1至5号地块", "Project")),
    ("a body that awards a title", "荣获省政府授予的称号。", ("省政府", "Organization")),
    ("a name's first character split off by the segmenter", "，后沙浦河成功创建。", ("后沙浦河", "Place")),
    ("a campaign year of common words", "大力开展招商引资攻坚年活动。", ("招商引资攻坚年", "Program")),
    ("a World Heritage bid", "紧抓良渚申遗契机。", ("良渚申遗", "Program")),
    ("a named passage", "加快临港东通道建设。", ("临港东通道", "Project")),
    ("a quoted service starting with 零", "推行“零跑腿服务”。", ("零跑腿服务", "Program")),
    ("a brand name ending in 国际", "竣工星河国际、丰元大厦。", ("星河国际", "Project")),
    ("a road's section", "改造临江路北段。", ("临江路北段", "Place")),
    ("a plan period before its plan word", "高质量编制“十六五”规划。", ("十六五", "Program")),
    ("a police branch by its place", "牵头单位：临江公安分局。", ("临江公安分局", "Organization")),
    ("a sports club", "支持临江飞鹰篮球俱乐部发展。", ("临江飞鹰篮球俱乐部", "Organization")),
    ("the party's campaign", "开展党的作风建设专项行动。", ("党的作风建设专项行动", "Program")),
    ("a numbered short form before 要求", "落实“三早”要求，强化监测。", ("三早", "Program")),
    ("a short document name before 要求", "落实“水八条”要求。", ("水八条", "Program")),
    ("a scheme for firms", "健全“2+N”企业服务机制。", ("2+N", "Program")),
    ("a long name ending in a figure word", "发布“临江·中国茶叶指数”。", ("临江·中国茶叶指数", "Program")),
    ("a quoted code of two characters", "实施“双百”计划。", ("双百", "Program")),
    ("a campaign named by what it raises", "深入实施临江街区品质提升行动。", ("临江街区品质提升行动", "Program")),
    ("a three-year campaign", "制定海洋经济发展三年行动。", ("海洋经济发展三年行动", "Program")),
    ("a river jieba knows as a name", "加强松花江等流域污染防治。", ("松花江", "Place")),
    ("a campaign after a verb ending in 治", "推进自治、法治、德治“三治融合”。", ("三治融合", "Program")),
    ("a combination with a full-width number", "推进“５Ｇ+工业互联网”。", ("５Ｇ+工业互联网", "Program")),
    ("a power station by its place", "临江变电站竣工投用。", ("临江变电站", "Project")),
    ("a water plant by its place", "临江自来水厂投入运行。", ("临江自来水厂", "Project")),
    ("a metropolitan area", "加快临江都市圈建设。", ("临江都市圈", "Place")),
    ("an airport by its place", "临江机场建成投运。", ("临江机场", "Project")),
    ("a bonded zone by its short head", "推动临江综保区扩区。", ("临江综保区", "Project")),
    ("an investment fair by its place", "举办临江投资推介会。", ("临江投资推介会", "Event")),
    ("a combination under a known programme", "深化“互联网+不动产登记”。", ("互联网+不动产登记", "Program")),
    ("a combination typed by what follows", "推行“承诺制+标准地”改革。", ("承诺制+标准地", "Program")),
    ("a body named as a combination", "成立“临江科技+金融联盟”。", ("临江科技+金融联盟", "Organization")),
    ("an event opened by 国际", "举办国际风筝艺术节。", ("国际风筝艺术节", "Event")),
    ("an event with 国际 inside", "办好临江国际马拉松。", ("临江国际马拉松", "Event")),
    ("a host city before the ordinal", "成功举办临江第十届运动会。", ("临江第十届运动会", "Event")),
    ("an ordinal before a national opener", "开展第二次全国农业普查。", ("第二次全国农业普查", "Event")),
    ("a road named by its two ends", "建成诸暨至临安高速公路。", ("诸暨至临安高速公路", "Place")),
    ("a grand theatre by its name", "临江大剧院投入使用。", ("临江大剧院", "Project")),
    ("a development corridor", "推动临江科创大走廊建设。", ("临江科创大走廊", "Project")),
    ("an innovation park", "建成临江中美科技创新园。", ("临江中美科技创新园", "Project")),
    ("a compressed list of single characters", "深化“拆、治、兴”行动。", ("拆、治、兴", "Program")),
    ("a city abroad", "对标西雅图等国际一流滨海城市。", ("西雅图", "Place")),
    ("a wharf by its place", "临江客运码头恢复运营。", ("临江客运码头", "Project")),
    ("an industrial zone by its name", "壮大临江工业区。", ("临江工业区", "Project")),
    ("an archive as a body", "区档案馆荣获表彰。", ("区档案馆", "Organization")),
    ("a bureau with its city in brackets", "引进中交（临江）工程局。", ("中交（临江）工程局", "Organization")),
    ("a branch of an academy", "与中科院临江分院合作。", ("中科院临江分院", "Organization")),
    ("a university's campus in another city", "临江大学滨海校区正式挂牌。", ("临江大学滨海校区", "Organization")),
    ("a plan of action named by its topic", "出台临江旅游发展三年行动方案。", ("临江旅游发展三年行动方案", "Program")),
    ("a local standard", "发布全国首个茶园碳汇核算地方标准。", ("茶园碳汇核算地方标准", "Program")),
    ("a named campaign of two clauses", "开展“守初心、担使命”主题活动。", ("守初心、担使命", "Program")),
]

NOT_FOUND = [
    ("honour in quotes", "荣获“全国文明示范区”称号。", "文明示范区"),
    ("slogan of an outcome", "实现审批“最多90天”。", "最多90天"),
    ("party congress formula", "全面贯彻党的二十大和二十届三中全会精神。", "二十大"),
    ("congress session", "落实县十七届人大二次会议部署。", "人大"),
    ("role noun", "人大代表提出建议，政协委员积极履职。", "人大"),
    ("plan period as time", "“十四五”时期发展势头良好。", "十四五"),
    ("plan period with no plan word", "确保“十六五”开好局、起好步。", "十六五"),
    ("a club of common words", "引进培育高端职业体育俱乐部。", "体育俱乐部"),
    ("generic noun", "全区企业和学校积极参与。", "企业"),
    ("type word after a quoted name", "入选“326”人才计划5人。", "人才计划"),
    ("strategic cooperation is no strategy", "与临江大学开展战略合作。", "战略"),
    ("division name after a level word is a title", "成功创建省级平安区。", "平安区"),
    ("a preposition does not open a name", "与东西部协作相衔接。", "与东"),
    ("a phrase with 的 in quote marks", "把群众“急难愁盼的事”办好。", "急难愁盼的事"),
    ("a stock metaphor in quotes", "做强制造业“主引擎”，培育科技创新“新动能”。", "主引擎"),
    ("a stock metaphor of speed", "临江同城化按下“快进键”。", "快进键"),
    ("a share of something new", "推动制造业“含新量”持续提升。", "含新量"),
    ("one dictionary noun is a common word", "吸引更多跨国公司来此投资。", "跨国公司"),
    ("downtown is no body of the city", "推进市中心城区更新提升。", "市中心"),
    ("fields listed before 等领域", "突出数字经济、未来产业等领域项目储备。", "未来产业"),
    ("a place opening a longer name", "举办临江国际摄影周。", "临江"),
    ("places in brackets opening a longer name", "推进中国（临江）国际农产园建设。", "临江"),
    ("an annual plan is no named plan", "完成投资89亿元，占年度计划的102%。", "年度计划"),
    ("a community health centre is a kind", "加大社康中心投入力度。", "社康中心"),
    ("a gathering needs a number", "召开全区科技创新大会。", "科技创新大会"),
    ("a meeting of members is a formula", "召开第五次党员大会。", "党员大会"),
    ("a congress of workers' representatives", "召开第三届职工代表大会第二次会议。", "代表大会"),
    ("a congress of representatives is a formula", "召开第十四届人民代表大会第一次会议。", "人民代表大会"),
    ("the assembly a report is made to", "我代表县政府向大会报告工作。", "大会"),
    ("国际 qualifying the next word ends no name", "鼓励企业申请PCT国际专利。", "PCT国际"),
    ("two fields joined in a list item", "支持物流、环保和文旅等项目。", "环保和文旅"),
    ("a list's 等 is no part of a name", "推行选题征集制、团队揭榜制等创新机制。", "团队揭榜制等创新机制"),
    ("fields listed before a modified 领域", "突出数字经济、未来产业等重点领域项目储备。", "未来产业"),
    ("a kind of plant", "推进管网和供水厂建设。", "供水厂"),
    ("a kind of town", "打造一批产业鲜明的特色小镇。", "特色小镇"),
    ("a kind of complex", "实施商贸综合体等项目建设。", "商贸综合体"),
    ("works of one kind", "连接线完成桥梁工程。", "桥梁工程"),
    ("an old town is no division", "加快古城保护更新。", "古城"),
    ("a formula of what is protected", "深入实施山水林田湖生态保护修复。", "山水林田湖"),
    ("a generic fair needs a name", "举办现场招聘会。", "招聘会"),
    ("one dictionary word with a generic head", "建立长效机制。", "长效机制"),
    ("two common words before a generic head", "完善风险控制机制。", "风险控制机制"),
    ("国际 qualifying the next word", "营商环境国际化水平提升。", "国际"),
    ("China as an attribute", "推进中国特色大国外交。", "中国"),
    ("a generic trade fair", "举办经贸洽谈会。", "洽谈会"),
    ("a kind of mechanism", "创新公共服务体制机制。", "体制机制"),
    ("a title after a class modifier and common words", "通过省级旅游风情小镇评审。", "风情小镇"),
    ("a ranking", "引进中国500强企业3家。", "中国"),
    ("a committee plenum", "贯彻省、市委全会精神。", "市委"),
    ("a level is no name", "列入首批省级试点。", "省级试点"),
    ("a title after 被命名为", "临江公园被命名为全国科普教育基地。", "科普教育基地"),
    ("the topic of a title before 先进区", "荣获全省河道整治提升先进区。", "河道整治提升"),
    ("a quantity of a class", "新建3个社区服务中心。", "社区服务中心"),
    ("a generic passage", "开辟重大项目绿色通道。", "绿色通道"),
    ("an outcome slogan starting with 零", "实现“零发生”。", "零发生"),
    ("a counted formula in quotes", "坚持“两个毫不动摇”。", "两个毫不动摇"),
    ("a run of quoted words before a common noun", "关心“40”“50”人员就业。", "40"),
    ("a class of zones", "打造人工智能产业集聚区。", "集聚区"),
    ("a maxim in quotes", "践行“发展才是硬道理”。", "硬道理"),
    ("problems in quotes", "缓解“看病难、办证难”。", "看病难"),
    ("a body named before the list it enters", "入选全省“星级示范派出所”名单。", "派出所"),
    ("a one-character code", "实现从“0”到“1”的突破。", "1"),
    ("a motto named by 总要求", "坚持“稳字为先、进字当头”总要求。", "稳字为先"),
    ("a long motto named by 要求", "按照“以全新面貌迎接建县六十周年”要求推进。", "全新面貌"),
    ("an ideological formula", "统筹推进“五位一体”总体布局。", "五位一体"),
    ("a class of firms", "新增“瞪羚”企业12家。", "瞪羚"),
    ("a problem fought", "驰而不息纠治“四风”。", "四风"),
    ("crimes struck", "依法打击“两抢一盗”等犯罪。", "两抢一盗"),
    ("a rating won", "在全省考核中获“三连优”。", "三连优"),
    ("an honour named as such", "临江区保持平安建设最高荣誉“平安杯”。", "平安杯"),
    ("a short figure of speech", "擦亮临江“城市名片”。", "城市名片"),
    ("rhetoric answering rhetoric", "以“临江之答”回应“时代之问”。", "临江之答"),
    ("a title a county seeks", "争当“全国生态文明示范县”。", "示范县"),
    ("a place word in quotes", "把服务送到群众“身边”。", "身边"),
    ("a dictionary word jieba tags as a person name", "抓住产业升级这个“牛鼻子”。", "牛鼻子"),
    ("a campaign head alone", "开展各类整治行动。", "整治行动"),
    ("a class of plants", "新建城镇污水处理厂。", "污水处理厂"),
    ("old substations", "实施老旧变电站改造。", "变电站"),
    ("a kind of park", "推进制造业园区优化提升。", "园区"),
    ("listed companies", "上市公司数量增加。", "上市公司"),
    ("a combination of trades", "促进“茶叶+旅游”“非遗+研学”融合发展。", "茶叶+旅游"),
    ("deeds, not a campaign", "以实际行动迎接新任务。", "实际行动"),
    ("a list of ordinary words in quotes", "践行“忠诚、担当、务实、高效”。", "忠诚、担当"),
    ("a chain of stages in quotes", "构建“园区—街道—社区”三级体系。", "园区—街道"),
    ("a chain with double dashes", "打通“研发——中试——产业化”链条。", "研发——中试"),
    ("a kind of works", "一批民生工程和水利工程加快推进。", "民生工程"),
    ("new schools counted", "新增中小学学位8000个。", "新增中小学"),
    ("a kind of park", "加快零碳园区、低碳园区建设。", "零碳园区"),
    ("a plan with no topic", "制定工作方案。", "工作方案"),
]


def ents(text: str) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in nlp()(text).ents]


@pytest.mark.parametrize(("case", "text", "expected"), FOUND, ids=[c[0] for c in FOUND])
def test_finds(case: str, text: str, expected: tuple[str, str]) -> None:
    assert expected in ents(text)


@pytest.mark.parametrize(("case", "text", "absent"), NOT_FOUND, ids=[c[0] for c in NOT_FOUND])
def test_does_not_find(case: str, text: str, absent: str) -> None:
    assert all(absent not in name for name, _ in ents(text))


def test_spans_are_flat_and_quotes_stay_outside() -> None:
    doc = nlp()("实施“凤栖计划”，建设临江银泰城综合体。")
    spans = [(e.start_char, e.end_char) for e in doc.ents]
    assert spans == sorted(spans)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
    assert all(not e.text.startswith("“") and not e.text.endswith("”") for e in doc.ents)


def test_ruler_patterns_match_as_if_tokenized_by_the_pipeline() -> None:
    """The ruler's phrase patterns, built over a bare vocabulary, match what spaCy's own path would."""
    from spacy.pipeline import EntityRuler

    from kg.recognise import ruler_patterns
    from kg.segment import make_nlp
    from tests.conftest import SEED_000, SEED_001

    plain = make_nlp()
    own: EntityRuler = plain.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})  # type: ignore[assignment]
    own.add_patterns(ruler_patterns())  # type: ignore[arg-type]
    ruler: EntityRuler = nlp().get_pipe("entity_ruler")  # type: ignore[assignment]
    assert isinstance(nlp().tokenizer, type(plain.tokenizer))  # the pipeline's tokenizer is put back
    assert len(ruler) == len(own) > 6000 and ruler.labels == own.labels
    assert [p["pattern"] for p in ruler.patterns] == [p["pattern"] for p in own.patterns]
    for path in (SEED_000, SEED_001):
        doc = plain(path.read_text(encoding="utf-8"))
        found = own.match(doc)
        assert len(found) > 50 and ruler.match(doc) == found
