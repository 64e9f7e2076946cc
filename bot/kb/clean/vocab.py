"""Vocabulary and shapes of page chrome: the word lists and patterns the line rules match.

Every entry targets a *class* of junk line (menus, bylines, share bars, copyright, reprint
notices, spam), never one site's wording.
"""

from __future__ import annotations

import re


def _words(text: str) -> list[str]:
    """Whitespace-separated vocabulary lists stay readable in source."""
    return text.split()


_NON_WORD_RE = re.compile(r"[\W_]+")
_WORD_CHAR_RE = re.compile(r"[^\W_]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u3000\u2000-\u200a\u202f\u205f]+")
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")

# --- navigation ------------------------------------------------------------------------
# Menu items and site furniture; a line made only of these (plus separators) is chrome.
_NAV_WORDS = frozenset(
    _words(
        "首页 网站首页 返回首页 回到首页 回首页 主页 网站地图 站点地图 关于我们 联系我们 网站声明 法律声明 隐私政策 隐私保护 "
        "广告服务 广告合作 法律顾问 设为首页 加入收藏 收藏本站 回到顶部 返回顶部 顶部 回到频道首页 返回频道首页 返回列表 返回 app下载 "
        "下载app 客户端 手机版 手机站 电脑版 登录 注册 退出 收藏 打印 打印本页 打印此页 关闭 关闭窗口 "
        "关闭本页 分享 分享到 微信 微博 qq空间 微信二维码 二维码 qq客服 在线客服 扫一扫 扫码 投稿 我要投稿 "
        "订阅 rss 字号 默认 大 中 小 上一篇 下一篇 上一页 下一页 更多 更多>> 评论 "
        "点赞 验证码 匿名 正文 导航 搜索 站内搜索 高级搜索 english 繁体 简体 繁體 无障碍 适老化 "
        "网站导航 本站导航 频道 栏目 全文 pdf 纠错 我要纠错"
    )
)
_SEPARATORS_RE = re.compile(r"\s*(?:\||｜|/|·|•|●|▪|■|◆|>>|>|»|›|→|＞|\s{2,}|\t)\s*")
_BREADCRUMB_ARROWS_RE = re.compile(r"\s*(?:>>|>|»|›|→|＞|/)\s*")
_BREADCRUMB_HEAD_RE = re.compile(r"^(?:当前位置|您的位置|您现在的位置|你的位置|你现在的位置|位置)\s*[:：]")
_BREADCRUMB_ROOTS = ("首页", "网站首页", "主页", "当前位置", "您的位置")

# --- interaction, share, comments, counters ----------------------------------------------
_INTERACTION_RE = re.compile(
    r"^(?:分享到|分享至|分享本文|用户昵称|昵称|网友评论|发表评论|我要评论|最新评论|热门评论|全部评论|"
    r"查看全部评论|所有评论|评论区|最新发表的评论|已有\d+人|扫一扫|微信扫一扫|扫描二维码|长按识别|"
    r"上一篇|下一篇|上一条|下一条|上一页|下一页)"
)
_COUNTER_RE = re.compile(
    r"^(?:浏览量|浏览次数|浏览|阅读量|阅读数|阅读|点击数|点击量|点击|访问量|人气|热度)\s*[:：]?\s*\d+\s*次?$"
)
# A toolbar: "【字体：大 中 小】【打印】", "【字体：大 中 小】 分享：Facebook WhatsApp 微信 电邮".
_TOOLBAR_PARTS_RE = re.compile(
    r"[【\[]\s*字[号体]\s*[:：]?\s*(?:[大中小]|默认|\s)*[】\]]|分享(?:到|至)?\s*[:：]|[【\[\]】]|[|｜]"
)
_SHARE_WORDS = frozenset(
    _words("facebook whatsapp twitter x line telegram 电邮 邮件 email 微信 微博 qq qq空间 朋友圈 豆瓣 复制链接 链接")
)
_FONT_SIZE_RE = re.compile(r"^[【\[]?\s*字[号体]\s*[:：]?\s*(?:[大中小]|默认|\s)*[】\]]?$")
_IMAGE_LINE_RE = re.compile(r"^\S.{0,80}\.(?:jpe?g|png|gif|bmp|webp|svg)$", re.IGNORECASE)
_URL_LINE_RE = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)

# --- copyright, disclaimers, editors --------------------------------------------------------
_COPYRIGHT_RE = re.compile(
    r"版权所有|copyright|©|all rights reserved|icp备|icp证|公网安备|网安备|违法和不良信息举报|"
    r"转载请注明|未经(?:本站|本网|作者|许可|授权|书面).{0,8}(?:转载|复制|镜像|摘编)|不得转载|禁止转载|如有侵权|"
    r"如涉及(?:版权|侵权)|"
    r"(?:版权|侵权)问题.{0,12}(?:联系|删除)|请联系我们.{0,6}删除|本文仅(?:限|供)(?:学习|参考)",
    re.IGNORECASE,
)
_DISCLAIMER_HEAD_RE = re.compile(
    r"^[【\[(（]?\s*(?:免责声明|版权声明|声明|特别声明|郑重声明)\s*[】\])）]?\s*[:：]"
)
# "声明：" opens a site disclaimer only when it talks about copyright or responsibility; a form's
# "声明：本人承诺所填信息真实" is content.
_DISCLAIMER_WORDS_RE = re.compile(r"转载|版权|原创|侵权|授权|仅代表|不代表|观点|立场|免责|不承担|本站|本网")
_EDITOR_RE = re.compile(
    r"^[\[【(（]?\s*(?:责任编辑|责编|编辑|美编|校对|审核|审校|终审|初审|复审|监制|统筹|编审|制图|值班编辑)"
    r"\s*[:：/]\s*\S"
)
_SOURCE_RE = re.compile(
    r"^[\[【(（]?\s*(?:来源|来源于|文章来源|本文来源|信息来源|稿件来源|内容来源|转自|出处)\s*[:：]\s*"
    r"(?P<value>[^\s　)）\]】]+)"
)
_AUTHOR_RE = re.compile(
    r"^[\[【(（]?\s*(?P<label>作者单位|作者|执笔|撰稿|撰文|文|记者|通讯员|供稿)\s*[:：/]\s*(?P<value>[^)）\]】]+?)\s*[)）\]】]?$"
)
_META_FIELD_RE = re.compile(
    r"^[\[【]?\s*(?P<label>关键词|关键字|标签|tags?|中图分类号|文献标识码|文章编号|doi)\s*[】\]]?\s*[:：]?\s*",
    re.IGNORECASE,
)
_PUBLICATION_RE = re.compile(r"^(?P<name>[^\s，。,]{2,24})\s*\d{4}\s*年\s*(?:第\s*)?\d{1,3}\s*期$")

# --- bylines: dates, labelled fields, a bare name -----------------------------------------
_DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
)
_BYLINE_FIELD_RE = re.compile(
    r"(?P<label>发布时间|发布日期|发表时间|更新时间|时间|日期|来源|信息来源|文章来源|作者|发布者|发布人|"
    r"转载编辑|编辑|责任编辑|责编|供稿|浏览次数|浏览|阅读|点击|字号)\s*[:：]\s*(?P<value>\S*)"
)
_BYLINE_FILLER = re.compile(r"字号|[【\[]?\s*[大中小]\s*[】\]]?|打印|关闭|分享|收藏|\d+\s*次|[|｜/·]")
# The most common Chinese surnames: a 2–4 character line starting with one, placed right after
# the title, is the author's name rather than a heading.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌"
    "毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦"
    "麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩"
    "明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = tuple(_words("欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 夏侯 宇文"))
_SECTION_WORDS = frozenset(
    _words(
        "引言 前言 导言 序言 绪论 摘要 概述 总则 附则 结语 结束语 结论 背景 目录 "
        "说明 附件 附录 通知 公告 正文"
    )
)

# --- labels, related-article tails, references, bios -------------------------------------
_LABEL_ONLY_RE = re.compile(
    r"^[【\[]?\s*(?:内容摘要|内容提要|摘\s*要|提\s*要|核心提示|导读|导语|编者按)\s*[】\]]?\s*[:：]?$"
)
_LABEL_PREFIX_RE = re.compile(
    r"^[【\[]?\s*(?:内容摘要|内容提要|摘\s*要|提\s*要|核心提示|导读|导语)\s*[】\]]?\s*[:：]?\s*(?=\S)"
)
_BIO_LABEL_RE = re.compile(r"^[【\[]?\s*(?:作者简介|作者信息)\s*[】\]]?\s*[:：]?")
_BIO_RE = re.compile(
    r"[（(]\s*\d{4}\s*(?:年|\.\d{1,2})?\s*[-—–~至]*.{0,6}[)）]|[男女]\s*[，,]|汉族|研究方向|籍贯|出生于"
)
_RELATED_RE = re.compile(
    r"^[【\[]?\s*(?:猜你喜欢|相关阅读|相关文章|相关新闻|相关链接|相关推荐|推荐阅读|热门推荐|热门文章|热点推荐|"
    r"热点文章|延伸阅读|扩展阅读|更多阅读|精彩推荐|为你推荐|为您推荐|大家都在看|你可能感兴趣|您可能感兴趣|"
    r"最新文章|最新资讯|热门标签|往期回顾|往期推荐|友情链接|图片新闻|排行榜|热门排行)"
    r".{0,12}$"
)
_REFERENCES_HEAD_RE = re.compile(
    r"^[【\[]?\s*(?:参考文献|参考资料|引用文献|references)\s*[】\]]?\s*[:：]?$", re.IGNORECASE
)
_CITATION_RE = re.compile(
    r"^\s*[\[［]\s*\d{1,3}\s*[\]］].{0,300}[\[［]\s*(?:J|M|N|D|C|R|S|P|Z|A|G|EB|DB|CP|OL)(?:\s*/\s*OL)?\s*[\]］]"
)

# --- SEO spam --------------------------------------------------------------------------
# Vocabulary of injected adult/piracy link farms. A line is spam when these terms are dense
# (not merely present: 亚洲, 成人, 精品 also occur in real policy text).
_SPAM_TERMS = (
    "一区二区", "二区三区", "三区四区", "在线观看", "免费观看", "在线播放", "在线看", "在线免费", "免费看",
    "毛片", "三级", "理伦", "伦理", "福利视频", "福利片", "午夜", "麻豆", "色综合", "色图", "色色", "黄页",
    "淫", "啪", "无码", "有码", "国产", "精品", "久久", "欧美", "日韩", "亚洲", "成人", "大尺度", "视频",
    "影院", "高清", "人妻", "自拍", "不卡", "特黄", "性色", "伊人", "草草", "香蕉", "一级", "av",
)  # fmt: skip
_SPAM_RE = re.compile("|".join(map(re.escape, _SPAM_TERMS)), re.IGNORECASE)
_SPAM_MARKER_RE = re.compile(r"蜘蛛池|站群|主站蜘蛛")
