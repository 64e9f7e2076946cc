"""Strip web/page chrome from loaded text and normalise it into a `Document`.

Scraped policy articles arrive wrapped in navigation menus, breadcrumbs, bylines, share
buttons, comment forms, copyright notices, "related articles" lists and injected SEO spam,
sometimes in traditional script and with pinyin glosses after characters. Every rule here
targets a *class* of junk line (a shape or a vocabulary), not a particular site, and a rule
that could match real prose is guarded by length and punctuation checks: losing a policy
sentence is worse than keeping a stray menu item.

Pipeline: glosses off → simplified → per-line classification (junk / metadata / content)
→ positional rules (chrome before a breadcrumb, "related articles" tails, reference lists,
author bios) → title, subtitle and byline from the lead → de-duplication → text with one
paragraph per line and a blank line between paragraphs. Headings that loaders marked with
"# " keep the marker so the chunker can rebuild the section tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.kb.normalize import normalize_for_match, strip_pinyin_glosses, to_simplified
from bot.kb.types import Document

__all__ = ["clean_document"]


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
    r"编辑|责任编辑|责编|供稿|浏览次数|浏览|阅读|点击|字号)\s*[:：]\s*(?P<value>\S*)"
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


@dataclass
class _Line:
    """One non-empty input line; `text` is the content without any "#" heading marker."""

    text: str
    raw: str  # before whitespace was collapsed: runs of spaces still separate menu items
    heading: int = 0  # markdown/loader heading level, 0 = none
    keep: bool = True

    def render(self) -> str:
        return f"{'#' * self.heading} {self.text}" if self.heading else self.text


def clean_document(source: str, raw_text: str, meta: dict[str, str]) -> Document:
    """Clean `raw_text` (from a loader) into a simplified-Chinese `Document` with title and meta.

    `meta` from the loader (title, author, date, origin, …) is kept; values found in the text
    (bylines, keyword lines) only fill keys the loader left empty.
    """
    text = to_simplified(strip_pinyin_glosses(raw_text))
    found: dict[str, str] = {}
    lines = _split_lines(text)
    for line in lines:
        if _is_junk(line, found):
            line.keep = False
    _drop_related_tails(lines)
    _drop_references(lines)
    _drop_author_bios(lines)
    _drop_chrome_before_breadcrumb(lines)
    for line in lines:
        if line.keep:
            line.text = _LABEL_PREFIX_RE.sub("", line.text)
    _drop_duplicates(lines)

    out_meta = {
        k: to_simplified(v) if k in ("title", "author", "origin") else v for k, v in meta.items() if v
    }
    title = _extract_title(lines, out_meta, found)
    for key, value in found.items():
        out_meta.setdefault(key, value)
    if "date" in out_meta:
        out_meta["date"] = _iso_date(out_meta["date"])
    body = "\n\n".join(line.render() for line in lines if line.keep)
    return Document(source=source, title=title, text=body, meta=out_meta)


# --------------------------------------------------------------------------- line level


def _split_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    for raw in text.split("\n"):
        raw = raw.strip()
        if not raw:
            continue
        collapsed = _SPACES_RE.sub(" ", raw)
        heading = _MD_HEADING_RE.match(collapsed)
        if heading:
            lines.append(_Line(heading.group(2), raw, len(heading.group(1))))
        else:
            lines.append(_Line(collapsed, raw))
    return lines


def _has_sentence(text: str) -> bool:
    return any(p in text for p in "。！？；")


def _is_junk(line: _Line, found: dict[str, str]) -> bool:
    """True when the line is chrome; metadata it carries (date, author…) goes into `found`."""
    text = line.text
    n = len(text)
    if n > 300:  # every chrome shape below is short; long lines can only be spam
        return _is_spam(text)
    if not _WORD_CHAR_RE.search(text) or _LABEL_ONLY_RE.match(text):
        return True  # separators, bullets, decorations; a label with nothing after it
    if text.isdigit() or (n <= 12 and re.fullmatch(r"[\d\s.\-•·:：/]+", text)):
        return True  # bare numbers: counters, phone stubs, page numbers
    if _is_spam(text):
        return True
    if _COPYRIGHT_RE.search(text) or (_DISCLAIMER_HEAD_RE.match(text) and _DISCLAIMER_WORDS_RE.search(text)):
        source = _SOURCE_RE.match(text)
        if source:
            found.setdefault("origin", source.group("value"))
        return True
    sentence = _has_sentence(text)
    if n <= 200 and not sentence and (_is_breadcrumb(line) or _is_nav(line)):
        return True
    if n <= 120 and (_INTERACTION_RE.match(text) or _COUNTER_RE.match(text) or _FONT_SIZE_RE.match(text)):
        return True
    if n <= 100 and (_IMAGE_LINE_RE.match(text) or _URL_LINE_RE.match(text)):
        return True
    if n <= 80 and _EDITOR_RE.match(text) and not _has_sentence(text[:-1]):
        return True
    if n <= 80:
        field = _META_FIELD_RE.match(text)
        if field and (field.group(0).rstrip().endswith(("】", "]", ":", "：")) or not text[field.end() :]):
            label = field.group("label").lower()
            if label in ("关键词", "关键字", "标签", "tag", "tags"):
                value = re.split(r"[【\[]", text[field.end() :])[0]
                found.setdefault("keywords", " ".join(re.split(r"[\s;；,，、]+", value)).strip())
            return True
    if n <= 60:
        author = _AUTHOR_RE.match(text)
        if author and not _has_sentence(author.group("value")):
            key = "affiliation" if author.group("label") == "作者单位" else "author"
            found.setdefault(key, _SPACES_RE.sub(" ", author.group("value")).strip())
            return True
        source = _SOURCE_RE.match(text)
        if source and not _has_sentence(text):
            found.setdefault("origin", source.group("value"))
            return True
        publication = _PUBLICATION_RE.match(text)
        if publication:
            found.setdefault("origin", text)
            return True
    return n <= 80 and not sentence and _parse_byline(text, found)


def _is_spam(text: str) -> bool:
    if _SPAM_MARKER_RE.search(text):
        return True
    hits = _SPAM_RE.findall(text)
    return len(hits) >= 3 and sum(map(len, hits)) >= 0.3 * len(text)


def _is_breadcrumb(line: _Line) -> bool:
    """首页 > 理论前沿 > 正文, 当前位置：…, or a home link followed by space-separated crumbs."""
    text = line.text
    if _BREADCRUMB_HEAD_RE.match(text):
        return True
    if _has_sentence(text):
        return False
    crumbs = [c for c in _BREADCRUMB_ARROWS_RE.split(text) if c]
    if len(crumbs) >= 2 and (crumbs[0] in _BREADCRUMB_ROOTS or crumbs[-1] == "正文"):
        return True
    if len(crumbs) >= 3 and all(len(c) <= 20 for c in crumbs) and re.search(r">|»|›|→|＞", text):
        return True
    spaced = [c for c in re.split(r"\s{2,}|\t", line.raw) if c.strip()]
    return len(spaced) >= 2 and spaced[0].strip() in _BREADCRUMB_ROOTS


def _is_nav(line: _Line) -> bool:
    """A line made of menu items: every item (or most, for long menus) is site furniture."""
    items = [i.strip().lower() for i in _SEPARATORS_RE.split(line.raw.strip()) if i and i.strip()]
    items = [i.lstrip("•·●▪■◆-* ") for i in items]
    items = [i for i in items if i]
    if not items or any(len(i) > 15 for i in items) or _has_sentence(line.text):
        return False
    nav = sum(1 for i in items if i in _NAV_WORDS or i.isdigit())
    return nav == len(items) or (len(items) >= 3 and nav >= 2 and nav >= len(items) / 3)


def _parse_byline(text: str, found: dict[str, str]) -> bool:
    """Date/source/author lines such as "2016年05月19日 14:08 来源:中国社会科学网 作者:吴益美 字号"."""
    date = _DATE_RE.search(text)
    fields = list(_BYLINE_FIELD_RE.finditer(text))
    if not date and not fields:
        return False
    if date and date.start() > 0 and not fields and not text[: date.start()].strip().endswith((":", "：")):
        return False  # a date inside a sentence, not a byline
    meta: dict[str, str] = {}
    spans = [field.span() for field in fields]
    if date:
        meta["date"] = f"{date.group('y')}-{int(date.group('m')):02d}-{int(date.group('d')):02d}"
        spans.append(date.span())
    for field in fields:
        label, value = field.group("label"), field.group("value")
        if label.endswith("来源"):
            meta["origin"] = value
        elif label in ("作者", "发布者", "发布人", "供稿"):
            meta["author"] = value
    chars = list(text)
    for start, end in spans:
        chars[start:end] = [" "] * (end - start)
    rest = _BYLINE_FILLER.sub(" ", "".join(chars)).strip(" :：,，")
    if rest and _is_person_name(rest):
        meta.setdefault("author", rest)
        rest = ""
    if rest:
        return False  # leftover prose: this line says more than a byline
    for key, value in meta.items():
        if value:
            found.setdefault(key, value)
    return True


def _is_person_name(text: str) -> bool:
    """One to three Chinese personal names ("李建国", "陶建群 刘广为"), not a section word."""
    names = [n for n in re.split(r"[\s、，,]+", text) if n]
    if not names or len(names) > 4:
        return False
    for name in names:
        if not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name) or name in _SECTION_WORDS:
            return False
        if name[0] not in _SURNAMES and not name.startswith(_COMPOUND_SURNAMES):
            return False
    return True


# --------------------------------------------------------------------------- positional rules


def _drop_related_tails(lines: list[_Line]) -> None:
    """Drop a "猜你喜欢"/"相关阅读" marker and the list of short link titles under it."""
    i = 0
    while i < len(lines):
        if lines[i].keep and _RELATED_RE.match(lines[i].text) and not _has_sentence(lines[i].text):
            lines[i].keep = False
            j = i + 1
            while j < len(lines) and len(lines[j].text) <= 40 and not _has_sentence(lines[j].text):
                lines[j].keep = False
                j += 1
            i = j
        else:
            i += 1


def _drop_references(lines: list[_Line]) -> None:
    """Bibliography entries ("[1]作者.题名[J].刊名…") and their heading: citations, not content."""
    for idx, line in enumerate(lines):
        if not line.keep:
            continue
        if _CITATION_RE.match(line.text):
            line.keep = False
        elif _REFERENCES_HEAD_RE.match(line.text):
            following = [ln for ln in lines[idx + 1 : idx + 3] if ln.keep]
            if not following or any(_CITATION_RE.match(ln.text) for ln in following):
                line.keep = False


def _drop_author_bios(lines: list[_Line]) -> None:
    """Drop "作者简介：" and the biography under it (birth year, gender, research field)."""
    for idx, line in enumerate(lines):
        if not line.keep or not _BIO_LABEL_RE.match(line.text):
            continue
        inline = _BIO_LABEL_RE.sub("", line.text).strip()
        if not inline:
            line.keep = False
            nxt = next((ln for ln in lines[idx + 1 :] if ln.keep), None)
            if nxt is not None and len(nxt.text) <= 300 and _BIO_RE.search(nxt.text):
                nxt.keep = False
        elif len(inline) <= 300 and _BIO_RE.search(inline):
            line.keep = False


def _drop_chrome_before_breadcrumb(lines: list[_Line]) -> None:
    """On scraped pages the breadcrumb marks where the article starts: what precedes it is menus.

    Applied only when the breadcrumb is in the first part of the page and nothing before it
    looks like prose (a paragraph with sentences); the line just before the breadcrumb is kept
    when the breadcrumb ends with it (a title shown above its own breadcrumb).
    """
    total = sum(len(ln.text) for ln in lines) or 1
    crumb_at, seen = None, 0
    for i, ln in enumerate(lines):
        if i > max(12, len(lines) // 3) and seen > 0.4 * total:
            break
        if not ln.keep and _is_breadcrumb(ln):
            crumb_at = i
            break
        seen += len(ln.text)
    if crumb_at is None:
        return
    before = [ln for ln in lines[:crumb_at] if ln.keep]
    # Prose: a sentence that is long or has clauses. Menu blurbs like "党组分工:主持全面工作。" are neither.
    if any(_has_sentence(ln.text) and (len(ln.text) >= 60 or re.search("[，,]", ln.text)) for ln in before):
        return
    crumbs = [c for c in _BREADCRUMB_ARROWS_RE.split(lines[crumb_at].text) if c]
    crumbs += [c.strip() for c in re.split(r"\s{2,}|\t", lines[crumb_at].raw) if c.strip()]
    title_line = before[-1] if before else None
    for ln in before:
        if ln is title_line and any(c == ln.text for c in crumbs):
            continue
        ln.keep = False


def _drop_duplicates(lines: list[_Line]) -> None:
    """Scraped pages often repeat the summary ("核心提示" and "【摘要】"): keep the first copy."""
    seen: set[str] = set()
    for line in lines:
        if not line.keep or line.heading:
            continue
        key = _NON_WORD_RE.sub("", line.text)  # already simplified: punctuation/spacing only
        if len(key) < 12:
            continue
        if key in seen:
            line.keep = False
        seen.add(key)


# --------------------------------------------------------------------------- title & meta

_NUMBERED_HEADING_RE = re.compile(
    r"^(?:[一二三四五六七八九十百零〇]+[、.．]|[（(][一二三四五六七八九十百零〇\d]+[)）]|\d{1,2}[.．、)）](?!\d)|"
    r"第[一二三四五六七八九十百零〇\d]+[章节条编])"
)
_SITE_SUFFIX_RE = re.compile(r"\s*(?:[_|｜]| - | – | — |--)\s*")


def _title_like(text: str) -> bool:
    """Short, a heading rather than a sentence, not a numbered section."""
    if not 2 <= len(text) <= 60 or text.endswith(("。", "；", "，", ",", "：", ":", ";")):
        return False
    if _has_sentence(text[:-1]) or _NUMBERED_HEADING_RE.match(text) or text.startswith(("——", "--")):
        return False
    return any(ch.isalnum() for ch in text)


def _strip_site_suffix(title: str) -> str:
    """Keep the article's own title: "打好基层党建 决胜脱贫攻坚_中国社会科学网" → its longest part."""
    parts = [p for p in _SITE_SUFFIX_RE.split(title) if p.strip()]
    return max(parts, key=len).strip() if len(parts) > 1 else title.strip()


def _extract_title(lines: list[_Line], meta: dict[str, str], found: dict[str, str]) -> str:
    """Pick the title and consume it (and a subtitle / author line right under it) from the body."""
    kept = [ln for ln in lines if ln.keep]
    meta_title = _strip_site_suffix(meta.get("title", ""))
    first = kept[0] if kept else None
    body_title = first.text if first is not None and _title_like(first.text) else ""
    title = ""
    if body_title:
        a, b = normalize_for_match(body_title), normalize_for_match(meta_title)
        if not meta_title or (a and b and (a in b or b in a)) or first.heading == 1:  # type: ignore[union-attr]
            title = body_title
            first.keep = False  # type: ignore[union-attr]
    if not title and meta_title:
        title = meta_title
    if title:
        meta["title"] = title
        _consume_lead(kept[1:] if first is not None and not first.keep else kept, found)
    else:
        title = _derived_title(kept)
        if title:
            meta["title_source"] = "derived"
    return title


def _consume_lead(lines: list[_Line], found: dict[str, str]) -> None:
    """Right under a title: "——subtitle" and a bare author name, before the first paragraph."""
    for line in lines[:3]:
        if not line.keep or line.heading:
            break
        text = line.text
        if text.startswith(("——", "--", "—")) and len(text) <= 60 and not _has_sentence(text[:-1]):
            found.setdefault("subtitle", text.lstrip("—- ").strip())
            line.keep = False
        elif _is_person_name(text):
            found.setdefault("author", text)
            line.keep = False
        else:
            break


def _derived_title(lines: list[_Line]) -> str:
    """No title anywhere: the document's opening clause, so users still see what it is about."""
    for line in lines:
        if line.heading or _NUMBERED_HEADING_RE.match(line.text):
            continue
        first = re.split(r"[。！？；!?;]", line.text, maxsplit=1)[0]
        return first if len(first) <= 40 else first[:40].rstrip("，,、：: ") + "…"
    return lines[0].text[:40] if lines else ""


def _iso_date(value: str) -> str:
    date = _DATE_RE.search(value)
    if date:
        return f"{date.group('y')}-{int(date.group('m')):02d}-{int(date.group('d')):02d}"
    return value
