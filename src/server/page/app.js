// The search page: plain JavaScript, no framework, no build step. Every text from the index is
// shown through textContent; snippets arrive HTML-escaped with <mark> and are rebuilt as nodes,
// so nothing a document contains can become markup. The query, filters and page live in the URL.
"use strict";

const PAGE_SIZE = 10;
const FILTERS = ["category", "region", "type", "level", "agency", "status", "year", "cites", "cited_by"];
const FACET_NAMES = {
  category: "类别", level: "效力级别", region: "地区", type: "文种", agency: "发文机关", status: "时效性", year: "年份",
  cites: "被此文件引用", cited_by: "引用此文件",
};
const SORTS = ["relevance", "date_desc", "date_asc"];
const KWIC_SORTS = ["doc", "date", "left", "right"];
const KWIC_PAGE = 50;
const KWIC_CONTEXT = "24";

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "className") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child == null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Server snippets are escaped text with <mark>…</mark> (a 新旧对照 side: <del> or <ins>):
// decode the text, keep only that one tag.
function markedNodes(html, tag = "mark") {
  const fragment = document.createDocumentFragment();
  const decoder = document.createElement("textarea");
  html.split(new RegExp(`(</?${tag}>)`)).reduce((marked, part) => {
    if (part === `<${tag}>`) return true;
    if (part === `</${tag}>`) return false;
    if (part) {
      decoder.innerHTML = part;
      const text = document.createTextNode(decoder.value);
      fragment.append(marked ? element(tag, {}, text) : text);
    }
    return marked;
  }, false);
  return fragment;
}

// A link inside the page: follows `next` without reloading.
function pageLink(label, next, attributes = {}) {
  const link = element("a", { href: urlFor(next), ...attributes }, label);
  link.addEventListener("click", (event) => {
    event.preventDefault();
    go(next);
    window.scrollTo(0, 0);
  });
  return link;
}

function state() {
  const params = new URLSearchParams(location.search);
  const page = Math.max(1, parseInt(params.get("page") || "1", 10) || 1);
  const sort = SORTS.includes(params.get("sort")) ? params.get("sort") : "relevance";
  const filters = {};
  for (const name of FILTERS) if (params.get(name)) filters[name] = params.get(name);
  const from = Math.max(0, parseInt(params.get("from") || "0", 10) || 0);
  const kwicSort = KWIC_SORTS.includes(params.get("ksort")) ? params.get("ksort") : "doc";
  const view = ["kwic", "trends"].includes(params.get("view")) ? params.get("view") : "";
  const by = ["year", "region", "category"].includes(params.get("by")) ? params.get("by") : "year";
  const measure = ["documents", "occurrences", "per_10k_chars"].includes(params.get("measure")) ? params.get("measure") : "documents";
  return { q: params.get("q") || "", doc: params.get("doc"), compare: params.get("compare"), from, page, sort, filters, view, kwicSort, by, measure };
}

function urlFor(next) {
  const params = new URLSearchParams();
  if (next.q) params.set("q", next.q);
  if (next.doc) params.set("doc", next.doc);
  if (next.doc && next.from) params.set("from", String(next.from));
  if (next.doc && next.compare) params.set("compare", next.compare);
  for (const [name, value] of Object.entries(next.filters || {})) params.set(name, value);
  if (next.sort && next.sort !== "relevance") params.set("sort", next.sort);
  if (next.view) params.set("view", next.view);
  if (next.view === "trends" && next.by && next.by !== "year") params.set("by", next.by);
  if (next.view === "trends" && next.measure && next.measure !== "documents") params.set("measure", next.measure);
  if (next.view === "kwic" && next.kwicSort && next.kwicSort !== "doc") params.set("ksort", next.kwicSort);
  if (next.page && next.page > 1) params.set("page", String(next.page));
  return "?" + params.toString();
}

function go(next) {
  history.pushState(null, "", urlFor(next));
  render();
}

function setStatus(text, isError = false) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(chineseMessage(body && body.error, response.status));
  }
  return body;
}

// The API's errors said in Chinese: the page speaks one language. A query error keeps the
// character where it is.
function chineseMessage(error, status) {
  if (!error) return `服务器返回错误（HTTP ${status}）`;
  const at = /at (\d+)/.exec(error.message || "");
  const where = at ? `第 ${at[1]} 个字符处` : "";
  if (error.code === "invalid_query") {
    const message = error.message || "";
    if (/unterminated quote/.test(message)) return `检索式${where}的引号没有配对，请补上另一个引号`;
    if (/parenthes/.test(message) && /empty/.test(message)) return `检索式${where}的括号里没有检索词`;
    if (/parenthes/.test(message)) return `检索式${where}的括号没有配对`;
    if (/NOT/.test(message)) return `检索式${where}的 NOT 后面缺少检索词`;
    if (/date/.test(message)) return `检索式${where}的日期有误，请写成 2021、2021-06 或 2021-06-08`;
    if (/empty query/.test(message)) return "检索式为空，请输入检索词";
    if (/longer than|too many|deep/.test(message)) return "检索式过长或过于复杂，请简化";
    return `检索式有误${where ? "（" + where + "附近）" : ""}`;
  }
  const messages = {
    overloaded: "服务器正忙，请稍后再试",
    document_not_found: "未找到该文件",
    invalid_parameter: "请求参数有误",
    not_found: "未找到所请求的内容",
    uri_too_long: "检索式过长",
    payload_too_large: "请求过大",
  };
  return messages[error.code] || "服务器内部错误，请稍后再试";
}

async function renderResults(current) {
  $("document-view").hidden = true;
  if (!current.q) {
    $("results-view").hidden = true;
    setStatus("输入检索词开始检索。");
    return;
  }
  const params = new URLSearchParams({
    q: current.q,
    limit: String(PAGE_SIZE),
    offset: String((current.page - 1) * PAGE_SIZE),
    sort: current.sort,
    facets: "true",
  });
  for (const [name, value] of Object.entries(current.filters)) params.set(name, value);
  setStatus("检索中…");
  let response;
  try {
    response = await getJson("/api/search?" + params.toString());
  } catch (error) {
    $("results-view").hidden = true;
    setStatus("检索出错：" + error.message, true);
    return;
  }
  const cut = response.timed_out ? '；检索超时，结果不完整' : '';
  const partial = response.partial ? `，另列 ${response.partial} 篇缺少部分检索词的文件` : '';
  setStatus(`共 ${response.total} 篇文件${partial}（${response.took_ms.toFixed(1)} 毫秒${cut}）`);
  $("results-view").hidden = false;
  $("sort").value = current.sort;
  renderFilters(current);
  renderFacets(current, response.facets || {});
  renderHits(current, response.hits);
  renderPager(current, response.total + (response.partial || 0));
  renderTools(current);
}

// The query and filters of `current` as API parameters.
function searchParams(current) {
  const params = new URLSearchParams({ q: current.q });
  for (const [name, value] of Object.entries(current.filters)) params.set(name, value);
  return params;
}

function renderTools(current) {
  exportLinks("export-", "/api/export", current, { sort: current.sort });
  const trendsState = { ...current, view: "trends", page: 1 };
  $("trends-link").href = urlFor(trendsState);
  $("trends-link").onclick = (event) => { event.preventDefault(); go(trendsState); };
  const kwic = { ...current, view: "kwic", page: 1 };
  $("kwic-link").href = urlFor(kwic);
  $("kwic-link").onclick = (event) => { event.preventDefault(); go(kwic); };
}

// The CSV and Excel links `prefix`csv and `prefix`xlsx: `path` with the query, the filters
// and `extra`.
function exportLinks(prefix, path, current, extra) {
  for (const format of ["csv", "xlsx"]) {
    const params = searchParams(current);
    for (const [name, value] of Object.entries(extra)) params.set(name, value);
    params.set("format", format);
    $(prefix + format).href = path + "?" + params.toString();
  }
}

async function renderKwic(current) {
  $("results-view").hidden = true;
  $("document-view").hidden = true;
  const view = $("kwic-view");
  const params = searchParams(current);
  params.set("sort", current.kwicSort);
  params.set("limit", String(KWIC_PAGE));
  params.set("offset", String((current.page - 1) * KWIC_PAGE));
  params.set("context", KWIC_CONTEXT);
  setStatus("生成语境索引…");
  let page;
  try {
    page = await getJson("/api/kwic?" + params.toString());
  } catch (error) {
    view.hidden = true;
    setStatus("语境索引出错：" + error.message, true);
    return;
  }
  view.hidden = false;
  setStatus(`“${current.q}”共出现 ${page.total} 次，见于 ${page.documents} 篇文件`);
  renderCollocates(current);
  const back = { ...current, view: "", page: 1 };
  $("kwic-back").href = urlFor(back);
  $("kwic-back").onclick = (event) => { event.preventDefault(); go(back); };
  exportLinks("kwic-export-", "/api/kwic/export", current, { sort: current.kwicSort, context: KWIC_CONTEXT });
  $("kwic-sort").value = current.kwicSort;
  $("kwic-sort").onchange = () => go({ ...current, kwicSort: $("kwic-sort").value, page: 1 });
  const first = (current.page - 1) * KWIC_PAGE;
  $("kwic-lines").replaceChildren(...page.lines.map((line, index) => {
    const open = { doc: line.id, q: current.q };
    const link = element("a", { href: urlFor(open) }, line.title);
    link.addEventListener("click", (event) => { event.preventDefault(); go(open); });
    return element("tr", {},
      element("td", { className: "number" }, String(first + index + 1)),
      element("td", { className: "left" }, element("span", {}, line.left)),
      element("td", { className: "match" }, line.match),
      element("td", { className: "right" }, line.right),
      element("td", { className: "source" }, link, line.article ? " " + line.article : "", line.date ? ` (${line.date})` : ""));
  }));
  $("kwic-pager").replaceChildren(...pageLinks(current, Math.ceil(page.total / KWIC_PAGE)));
}

function renderFilters(current) {
  const chips = Object.entries(current.filters).map(([name, value]) =>
    element("button", {
      className: "chip", type: "button", title: "取消此筛选",
      onclick: () => {
        const filters = { ...current.filters };
        delete filters[name];
        go({ ...current, filters, page: 1 });
      },
    }, `${FACET_NAMES[name]}：${value} ×`));
  $("active-filters").replaceChildren(...chips);
}

function renderFacets(current, facets) {
  const blocks = [];
  for (const name of ["category", "region", "type", "level", "status", "year", "agency"]) {
    const values = (facets[name] || []).slice(0, name === "year" ? 30 : 12);
    if (!values.length || current.filters[name]) continue;
    const items = values.map((facet) => element("li", {},
      element("button", {
        type: "button", "data-facet": name, "data-value": facet.value,
        onclick: () => go({ ...current, filters: { ...current.filters, [name]: facet.value }, page: 1 }),
      }, element("span", {}, facet.value), element("span", { className: "count" }, facet.count))));
    blocks.push(element("h3", {}, FACET_NAMES[name]), element("ul", {}, ...items));
  }
  $("facets").replaceChildren(...blocks);
}

function renderHits(current, hits) {
  const items = hits.map((hit) => {
    const link = element("a", { href: urlFor({ doc: hit.id, q: current.q }) }, hit.title || hit.id);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      go({ doc: hit.id, q: current.q });
    });
    const meta = [hit.date, hit.agency, hit.doc_number, hit.type, hit.level, hit.region]
      .filter(Boolean).map((value) => element("span", {}, value));
    if (hit.status && hit.status !== "现行有效") meta.unshift(element("span", { className: "status" }, hit.status));
    if (hit.versions > 1) {
      const others = (hit.other_versions || []).map((other) =>
        pageLink(other.split("/").pop(), { doc: other, q: current.q }, { className: "other-version" }));
      meta.push(element("span", { className: "versions", title: "同一文件的各个版本合为一条，显示命中的最新版本" },
        `共 ${hit.versions} 个版本`, ...(others.length ? ["，另有命中：", ...others] : [])));
    }
    if ((hit.copies || []).length) {
      const copies = hit.copies.map((copy) =>
        pageLink(copy.split("/").slice(-2).join("/"), { doc: copy, q: current.q }, { className: "copy" }));
      meta.push(element("span", { className: "copies", title: "正文完全相同的文件（如同一法律收录于两个法律部门）合为一条" },
        "另见副本：", ...copies));
    }
    const snippet = element("p", { className: "snippet" },
      hit.article ? element("span", { className: "article" }, hit.article) : null, markedNodes(hit.snippet));
    const missing = (hit.missing || []).length
      ? element("div", { className: "missing", title: "此文件不含这些检索词，排在含全部检索词的文件之后" },
        "缺少：", ...hit.missing.map((term) => element("s", {}, term)))
      : null;
    return element("li", { className: hit.missing && hit.missing.length ? "hit partial" : "hit" },
      element("h2", {}, link), element("div", { className: "meta" }, ...meta), missing, snippet);
  });
  $("hits").replaceChildren(...items);
}

function renderPager(current, total) {
  $("pager").replaceChildren(...pageLinks(current, Math.ceil(total / PAGE_SIZE)));
}

// 上一页, the numbers of the first, the last and the pages around this one, 下一页.
function pageLinks(current, count) {
  const pages = Math.max(1, count);
  const button = (label, page, attributes = {}) => {
    const node = element("button", { type: "button", ...attributes, onclick: () => { go({ ...current, page }); window.scrollTo(0, 0); } }, label);
    node.disabled = page < 1 || page > pages || page === current.page;
    return node;
  };
  const numbers = [];
  let last = 0;
  for (let page = 1; page <= pages; page += 1) {
    if (page !== 1 && page !== pages && Math.abs(page - current.page) > 2) continue;
    if (page > last + 1) numbers.push(element("span", { className: "gap" }, "…"));
    const here = page === current.page ? { className: "current", "aria-current": "page" } : {};
    numbers.push(button(String(page), page, { "data-page": String(page), ...here }));
    last = page;
  }
  return [button("上一页", current.page - 1, { className: "previous" }), ...numbers,
    button("下一页", current.page + 1, { className: "next" }), element("span", { className: "of" }, `共 ${pages} 页`)];
}

// The versions of the document's instrument, oldest first, each with its 时效性 and a link to
// compare it with this one (新旧对照). Null when it has no other version.
function versionList(current, documentView) {
  const versions = documentView.versions || [];
  if (versions.length < 2) return null;
  const items = versions.map((version) => {
    const here = version.id === documentView.id;
    const name = `${version.date || "未注明日期"} ${version.title}`;
    return element("li", { className: here ? "current" : "" },
      here ? element("strong", {}, name + "（本版）") : pageLink(name, { doc: version.id, q: current.q }),
      element("span", { className: "status" }, version.status),
      here ? null : pageLink("与本版对照", { doc: documentView.id, compare: version.id, q: current.q }, { className: "compare-link" }));
  });
  return element("div", { className: "versions-list" }, element("h3", {}, `版本（${versions.length}）`), element("ol", {}, ...items));
}

// Why a document is 已废止: each indexed text repealing it, with the 条 that does.
function repealNote(current, documentView) {
  const repeals = documentView.repealed_by || [];
  if (!repeals.length) return null;
  return element("p", { className: "repealed" }, "已废止：",
    ...repeals.flatMap((repeal, index) => [index ? "；" : "",
      pageLink(repeal.title, { doc: repeal.id, q: current.q }),
      `（${repeal.date || "未注明日期"}）${repeal.at ? repeal.at : ""}规定${repeal.text}废止`]));
}

// 引用 and 被引用: the indexed documents this one cites and those citing it, each with how often
// and in which 条, then what it cites that is not indexed; the names it cites become links in
// the text (`nodes`, the reading view's sections).
function citationPanel(current, citations, nodes) {
  const item = (link) => element("li", {}, pageLink(link.title, { doc: link.id, q: current.q }),
    ` (${link.date || "未注明日期"}) ×${link.count}`,
    link.at.length ? element("span", { className: "where" }, ` 见${link.at.join("、")}`) : null,
    link.articles.length ? element("span", { className: "where" }, `，引${link.articles.join("、")}`) : null);
  const block = (title, links, className) => links.length
    ? [element("h3", {}, `${title}（${links.length}）`), element("ul", { className }, ...links.map(item))]
    : [];
  const missing = citations.not_indexed.length
    ? [element("details", {}, element("summary", {}, `未收录的引用（${citations.not_indexed.length}）`),
      element("ul", {}, ...citations.not_indexed.map((u) => element("li", {}, u.text, u.count > 1 ? ` ×${u.count}` : ""))))]
    : [];
  for (const link of citations.cites) linkNames(nodes, link.names, { doc: link.id, q: current.q });
  return [...block("引用", citations.cites, "cites"), ...block("被引用", citations.cited_by, "cited-by"), ...missing];
}

// Every occurrence of one of `names` in the text of `nodes` becomes a link to `next`.
function linkNames(nodes, names, next) {
  for (const node of nodes) {
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    const texts = [];
    while (walker.nextNode()) texts.push(walker.currentNode);
    for (const text of texts) {
      if (text.parentNode.closest("a")) continue;
      const name = names.find((candidate) => text.data.includes(candidate));
      if (!name) continue;
      const at = text.data.indexOf(name);
      const rest = text.splitText(at);
      rest.splitText(name.length);
      rest.replaceWith(pageLink(name, next, { className: "cite" }));
    }
  }
}

// 新旧对照: the two documents aligned article by article, the older on the left; changes only,
// unless the reader asks for every article.
async function renderComparison(current) {
  $("results-view").hidden = true;
  const view = $("document-view");
  view.hidden = false;
  setStatus("对照中…");
  let comparison;
  try {
    comparison = await getJson(`/api/documents/${encodeURIComponent(current.doc)}/compare/${encodeURIComponent(current.compare)}`);
  } catch (error) {
    view.replaceChildren();
    setStatus("无法对照：" + error.message, true);
    return;
  }
  setStatus("");
  const back = pageLink("← 返回文件", { doc: current.doc, q: current.q });
  const heading = (version, side) => element("th", {}, `${side} ${version.date || "未注明日期"}`,
    element("div", { className: "version-title" }, version.title));
  const cell = (side, tag) => element("td", {}, side
    ? [side.label ? element("span", { className: "article" }, side.label) : null, markedNodes(side.html, tag)]
      .filter(Boolean).reduce((node, child) => { node.append(child); return node; }, document.createDocumentFragment())
    : "");
  const rows = comparison.pairs.map((pair) => element("tr", { className: "change-" + pair.change },
    element("td", { className: "change" }, pair.change), cell(pair.old, "del"), cell(pair.new, "ins")));
  const table = element("table", { className: "comparison only-changes" },
    element("thead", {}, element("tr", {}, element("th", {}, ""), heading(comparison.old, "旧"), heading(comparison.new, "新"))),
    element("tbody", {}, ...rows));
  const counts = ["修改", "新增", "删除", "未变"].map((name) => `${name} ${comparison.summary[name] || 0}`).join(" · ");
  const toggle = element("input", { type: "checkbox", id: "only-changes", checked: "" });
  toggle.addEventListener("change", () => table.classList.toggle("only-changes", toggle.checked));
  view.replaceChildren(back, element("h1", {}, "新旧对照"),
    element("p", { className: "comparison-summary" }, counts, " ", element("label", {}, toggle, " 只显示有变化的条文")), table);
  window.scrollTo(0, 0);
}

async function renderDocument(current) {
  if (current.compare) return renderComparison(current);
  $("results-view").hidden = true;
  const view = $("document-view");
  view.hidden = false;
  setStatus("加载文件…");
  const id = encodeURIComponent(current.doc);
  let documentView;
  try {
    const query = new URLSearchParams();
    if (current.q) query.set("q", current.q);
    if (current.from) query.set("from", String(current.from));
    documentView = await getJson(`/api/documents/${id}?` + query.toString());
  } catch (error) {
    view.replaceChildren();
    setStatus("无法打开文件：" + error.message, true);
    return;
  }
  setStatus("");
  const back = element("a", { href: urlFor({ q: current.q }) }, "← 返回检索结果");
  back.addEventListener("click", (event) => {
    event.preventDefault();
    go({ q: current.q });
  });
  const fields = [
    ["发文机关", documentView.agency], ["发文字号", documentView.doc_number_original || documentView.doc_number],
    ["文种", documentView.type], ["日期", documentView.date], ["公布日期", documentView.published],
    ["施行日期", documentView.effective], ["成文日期", documentView.issued], ["效力级别", documentView.level],
    ["时效性", documentView.status], ["类别", documentView.category],
    ["地区", documentView.region], ["来源", documentView.source], ["编号", documentView.id],
  ].filter(([, value]) => value);
  const metadata = element("dl", {}, ...fields.flatMap(([name, value]) => [element("dt", {}, name), element("dd", {}, value)]));
  const ids = new Set();
  const sections = documentView.sections.map((section, index) => {
    const label = section.label ? "article-" + section.label : "";
    const id = label && !ids.has(label) ? label : "part-" + index;
    ids.add(id);
    const node = section.heading
      ? element("h" + Math.min(6, section.heading + 1), { className: "heading" + (section.matched ? " matched" : ""), id }, markedNodes(section.html))
      : element("section", { className: section.matched ? "matched" : "", id }, markedNodes(section.html));
    return node;
  });
  const related = element("div", { className: "related" }, element("h3", {}, "相关文件"), element("ul", { id: "related" }));
  const citationsBlock = element("div", { className: "citations", id: "citations" });
  // A long document comes in parts: say which part this is and link the next and the start.
  const part = documentView.truncated;
  const partLink = (label, from) => {
    const link = element("a", { href: urlFor({ doc: current.doc, q: current.q, from }) }, label);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      go({ doc: current.doc, q: current.q, from });
      window.scrollTo(0, 0);
    });
    return link;
  };
  const partNote = () => {
    const first = part.from_char + 1;
    const last = part.from_char + part.shown_chars;
    const links = [];
    if (part.next_from !== null && part.next_from !== undefined) links.push(" ", partLink("下一部分 →", part.next_from));
    if (part.from_char > 0) links.push(links.length ? " · " : " ", partLink("回到开头", 0));
    const count = (n) => n.toLocaleString("zh-CN");
    return element("p", { className: "truncated" },
      `文件过长，分部分显示：第 ${count(first)}–${count(last)} 字（全文共 ${count(part.total_chars)} 字）。`, ...links);
  };
  const top = part && part.from_char > 0 ? [partNote()] : [];
  const bottom = part ? [partNote()] : [];
  const text = element("div", { className: "reading" }, matchBar(current, documentView, part), ...top, ...sections, ...bottom, citationsBlock, related);
  const versions = versionList(current, documentView);
  const toc = tableOfContents(documentView.sections, sections);
  const citationCounts = element("p", { className: "citation-counts", id: "citation-counts" });
  view.replaceChildren(...[back, element("h1", {}, documentView.title), metadata, repealNote(current, documentView),
    citationCounts, versions].filter(Boolean),
    element("div", { className: toc ? "reader with-toc" : "reader" }, toc, text));
  // The title and metadata are what a reader sees first; the match bar leads to the matches.
  window.scrollTo(0, 0);
  try {
    const citations = await getJson(`/api/documents/${id}/citations`);
    citationsBlock.replaceChildren(...citationPanel(current, citations, sections));
    const jump = (label, count) => {
      const link = element("a", { href: "#citations" }, `${label} ${count} 篇`);
      link.addEventListener("click", (event) => { event.preventDefault(); citationsBlock.scrollIntoView(); });
      return link;
    };
    const counts = [["被引用", citations.cited_by.length], ["引用", citations.cites.length]].filter(([, n]) => n);
    citationCounts.replaceChildren(...counts.flatMap(([label, n], i) => [i ? " · " : "", jump(label, n)]));
  } catch (error) {
    citationsBlock.replaceChildren(element("p", {}, "无法加载引用：" + error.message));
  }
  try {
    const similar = await getJson(`/api/documents/${id}/similar?limit=8`);
    $("related").replaceChildren(...similar.map((item) => {
      const link = element("a", { href: urlFor({ doc: item.id, q: current.q }) }, item.title);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        go({ doc: item.id, q: current.q });
      });
      return element("li", {}, link, item.date ? ` (${item.date})` : "");
    }));
  } catch (error) {
    $("related").replaceChildren(element("li", {}, "无法加载相关文件：" + error.message));
  }
}

// The table of contents of a document: its 编/章/节 and outline headings, each followed by the
// numbers of its 条; where the query matches, the count. Null for a text with neither.
function tableOfContents(sections, nodes) {
  const entries = [];
  let group = null;
  sections.forEach((section, index) => {
    const target = nodes[index];
    const jump = (event) => {
      event.preventDefault();
      target.scrollIntoView({ block: "start" });
    };
    if (section.heading) {
      const count = element("span", { className: "count" });
      const link = element("a", { href: "#" + target.id, onclick: jump }, target.textContent.trim());
      group = { count, matches: 0, articles: element("div", { className: "toc-articles" }) };
      entries.push(element("li", { className: "level-" + section.heading }, link, count, group.articles));
    } else if (section.label) {
      const number = section.label.replace(/^第/, "").replace(/条/, "");
      const link = element("a", { href: "#" + target.id, onclick: jump, title: section.label,
        className: section.matched ? "matched" : "" }, number);
      if (group) group.articles.append(link);
      else {
        group = { count: element("span", { className: "count" }), matches: 0, articles: element("div", { className: "toc-articles" }) };
        entries.push(element("li", { className: "level-2" }, group.count, group.articles));
      }
    }
    if (group && section.matches) {
      group.matches += section.matches;
      group.count.textContent = String(group.matches);
      group.count.title = `此部分有 ${group.matches} 处匹配`;
    }
  });
  if (!entries.length) return null;
  return element("nav", { className: "toc", "aria-label": "目录" }, element("h3", {}, "目录"), element("ol", {}, ...entries));
}

// How often the query matches in the text shown, with buttons to step through the matches.
function matchBar(current, documentView, part) {
  if (!current.q) return null;
  const where = part ? "本部分" : "本文";
  if (!documentView.matches) return element("div", { className: "match-bar" }, `检索词在${where}中没有出现`);
  const position = element("span", { className: "position" }, `检索词在${where}出现 ${documentView.matches} 处`);
  let index = -1;
  const step = (delta) => {
    const marks = [...document.querySelectorAll("#document-view .reading mark")];
    if (!marks.length) return;
    if (index >= 0 && marks[index]) marks[index].classList.remove("current");
    index = (index + delta + marks.length) % marks.length;
    marks[index].classList.add("current");
    marks[index].scrollIntoView({ block: "center" });
    position.textContent = `第 ${index + 1} / ${marks.length} 处`;
  };
  return element("div", { className: "match-bar" }, position,
    element("button", { type: "button", id: "match-previous", onclick: () => step(-1) }, "↑ 上一处"),
    element("button", { type: "button", id: "match-next", onclick: () => step(1) }, "↓ 下一处"));
}

function render() {
  const current = state();
  $("q").value = current.q;
  document.title = current.q ? `${current.q} - 政策文件检索` : "政策文件检索";
  $("kwic-view").hidden = true;
  $("trends-view").hidden = true;
  if (current.doc) return renderDocument(current);
  if (current.view === "trends" && current.q) return renderTrends(current);
  return current.view === "kwic" && current.q ? renderKwic(current) : renderResults(current);
}

document.addEventListener("DOMContentLoaded", () => {
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const current = state();
    go({ q: $("q").value.trim(), filters: current.doc ? {} : current.filters, sort: current.sort, page: 1 });
  });
  $("sort").addEventListener("change", () => go({ ...state(), sort: $("sort").value, page: 1, doc: null }));
  $("help-toggle").addEventListener("click", (event) => {
    event.preventDefault();
    $("help").hidden = !$("help").hidden;
  });
  window.addEventListener("popstate", render);
  render();
});

// The terms a trend compares: the query's words and phrases, without operators and fields.
function trendTerms(q) {
  const terms = [];
  for (const match of q.matchAll(/"([^"]+)"|(\S+)/g)) {
    const term = (match[1] || match[2] || "").trim();
    if (!term || /^(AND|OR|NOT)$/.test(term) || term.startsWith("-") || term.includes(":") || term.startsWith("/")) continue;
    terms.push(term.replace(/^[+(]+|[)]+$/g, ""));
  }
  return terms.filter((term) => term).slice(0, 10);
}

const SERIES_COLOURS = ["#b91c1c", "#1d4ed8", "#047857", "#a16207", "#7c3aed", "#0e7490", "#be185d", "#4d7c0f", "#c2410c", "#334155"];
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

async function renderTrends(current) {
  $("results-view").hidden = true;
  $("document-view").hidden = true;
  const view = $("trends-view");
  const terms = trendTerms(current.q);
  const params = new URLSearchParams({ terms: terms.join(","), by: current.by, measure: current.measure });
  for (const [name, value] of Object.entries(current.filters)) params.set(name, value);
  setStatus("统计中…");
  let trends;
  try {
    trends = await getJson("/api/trends?" + params.toString());
  } catch (error) {
    view.hidden = true;
    setStatus("趋势统计出错：" + error.message, true);
    return;
  }
  view.hidden = false;
  const names = { documents: "含该词的文件数", occurrences: "出现次数", per_10k_chars: "每万字出现次数" };
  setStatus(`${terms.join("、")}：${names[current.measure]}，按${{ year: "年份", region: "地区", category: "类别" }[current.by]}`);
  const back = { ...current, view: "", page: 1 };
  $("trends-back").href = urlFor(back);
  $("trends-back").onclick = (event) => { event.preventDefault(); go(back); };
  $("trends-by").value = current.by;
  $("trends-by").onchange = () => go({ ...current, by: $("trends-by").value });
  $("trends-measure").value = current.measure;
  $("trends-measure").onchange = () => go({ ...current, measure: $("trends-measure").value });
  $("trends-chart").replaceChildren(drawChart(current, trends));
}

// Lines over years, grouped bars for regions and categories; every point or bar shows its
// number on hover and runs the term's search in that bucket on a click.
function drawChart(current, trends) {
  const buckets = trends.series.length ? trends.series[0].points.map((p) => p.bucket) : [];
  const width = 960, height = 380, left = 56, right = 16, top = 36, bottom = trends.by === "year" ? 40 : 90;
  const plotWidth = width - left - right, plotHeight = height - top - bottom;
  const max = Math.max(1e-9, ...trends.series.flatMap((s) => s.points.map((p) => p.value)));
  const step = niceStep(max / 5);
  const ceiling = Math.ceil(max / step) * step;
  const y = (value) => top + plotHeight - (value / ceiling) * plotHeight;
  const slot = plotWidth / Math.max(1, buckets.length);
  const x = (index) => left + slot * index + slot / 2;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "趋势图" });
  for (let tick = 0; tick <= ceiling + 1e-9; tick += step) {
    chart.append(svg("line", { class: "grid", x1: left, x2: width - right, y1: y(tick), y2: y(tick) }));
    const decimals = Math.max(0, -Math.floor(Math.log10(step)));
    chart.append(svg("text", { class: "label", x: left - 6, y: y(tick) + 4, "text-anchor": "end" }, tick.toFixed(decimals)));
  }
  chart.append(svg("line", { class: "axis", x1: left, x2: width - right, y1: y(0), y2: y(0) }));
  const every = Math.max(1, Math.ceil(buckets.length / 24));
  buckets.forEach((bucket, index) => {
    if (index % every) return;
    const attributes = trends.by === "year"
      ? { class: "label", x: x(index), y: y(0) + 16, "text-anchor": "middle" }
      : { class: "label", x: x(index), y: y(0) + 10, "text-anchor": "end", transform: `rotate(-45 ${x(index)} ${y(0) + 10})` };
    chart.append(svg("text", attributes, bucket));
  });
  const filterName = trends.by;
  const open = (term, bucket) => go({ q: `"${term}"`, filters: { ...current.filters, [filterName]: bucket }, page: 1 });
  trends.series.forEach((series, number) => {
    const colour = SERIES_COLOURS[number % SERIES_COLOURS.length];
    chart.append(svg("rect", { x: left + number * 150, y: 8, width: 12, height: 12, fill: colour }));
    chart.append(svg("text", { class: "legend", x: left + number * 150 + 18, y: 19 }, series.term));
    if (trends.by === "year") {
      const path = series.points.map((p, index) => `${index ? "L" : "M"}${x(index)},${y(p.value)}`).join(" ");
      chart.append(svg("path", { class: "series", d: path, stroke: colour }));
    }
    series.points.forEach((point, index) => {
      const tip = svg("title", {}, `${series.term} · ${point.bucket}：${formatValue(point.value)}`);
      let mark;
      if (trends.by === "year") {
        mark = svg("circle", { class: "point", cx: x(index), cy: y(point.value), r: 4, fill: colour, "data-term": series.term, "data-bucket": point.bucket }, tip);
      } else {
        const barWidth = Math.max(2, (slot * 0.8) / trends.series.length);
        const barX = left + slot * index + slot * 0.1 + barWidth * number;
        mark = svg("rect", { class: "bar", x: barX, y: y(point.value), width: barWidth, height: Math.max(0, y(0) - y(point.value)), fill: colour, "data-term": series.term, "data-bucket": point.bucket }, tip);
      }
      mark.addEventListener("click", () => open(series.term, point.bucket));
      chart.append(mark);
    });
  });
  return chart;
}

function niceStep(raw) {
  const power = Math.pow(10, Math.floor(Math.log10(raw || 1)));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= raw) return factor * power;
  return 10 * power;
}

function formatValue(value) {
  return Number.isInteger(value) ? value.toLocaleString("zh-CN") : value.toFixed(value < 1 ? 3 : 2);
}

// The words that keep company with the query, beside its concordance; a click searches both.
async function renderCollocates(current) {
  const params = searchParams(current);
  params.set("limit", "25");
  $("collocates").replaceChildren(element("tr", {}, element("td", { colspan: "3" }, "统计中…")));
  let found;
  try {
    found = await getJson("/api/collocates?" + params.toString());
  } catch (error) {
    $("collocates").replaceChildren(element("tr", {}, element("td", { colspan: "3" }, "无法统计：" + error.message)));
    return;
  }
  if (!found.collocates.length) {
    $("collocates").replaceChildren(element("tr", {}, element("td", { colspan: "3" }, "（无）")));
    return;
  }
  $("collocates").replaceChildren(...found.collocates.map((collocate) => element("tr", {},
    element("td", {}, element("button", {
      type: "button", title: `在索引中共出现 ${collocate.corpus_count} 次；MI ${collocate.mi.toFixed(2)}`,
      onclick: () => go({ ...current, q: `${current.q} ${collocate.word}`, page: 1 }),
    }, collocate.word)),
    element("td", {}, String(collocate.count)),
    element("td", {}, collocate.ll.toFixed(0)))));
}
