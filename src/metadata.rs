//! Policy metadata read from the text itself.

/// 文种 recognised from the end of a title, longest first where one ends another
/// (实施细则 before 细则, 暂行规定 before 规定).
const DOCUMENT_TYPES: &[&str] = &[
    "实施细则",
    "实施办法",
    "暂行规定",
    "暂行办法",
    "暂行条例",
    "工作报告",
    "自治条例",
    "单行条例",
    "条例",
    "规定",
    "办法",
    "细则",
    "规则",
    "决定",
    "决议",
    "通知",
    "通告",
    "公告",
    "意见",
    "方案",
    "规划",
    "纲要",
    "报告",
    "解释",
    "批复",
    "协议",
    "命令",
    "指引",
    "指南",
    "计划",
    "法",
];

/// The 文种 of a document from its title: `太湖流域管理条例` → `条例`, a 司法解释 titled
/// `…的解释（二）` → `解释`. Ordinal suffixes such as `（二）` and a trailing `(试行)` are ignored.
pub fn document_type(title: &str) -> Option<&'static str> {
    let mut title = title.trim();
    loop {
        let before = title;
        for (open, close) in [("（", "）"), ("(", ")")] {
            if let Some(stripped) = title.strip_suffix(close) {
                if let Some(at) = stripped.rfind(open) {
                    title = stripped[..at].trim_end();
                }
            }
        }
        if title == before {
            break;
        }
    }
    DOCUMENT_TYPES
        .iter()
        .copied()
        .find(|kind| title.ends_with(kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_from_real_titles() {
        assert_eq!(document_type("太湖流域管理条例"), Some("条例"));
        assert_eq!(
            document_type("中华人民共和国招标投标法实施条例"),
            Some("条例")
        );
        assert_eq!(
            document_type("最高人民法院关于审理发生在我国管辖海域相关案件若干问题的规定（二）"),
            Some("规定")
        );
        assert_eq!(
            document_type("人民检察院刑事诉讼规则（试行）"),
            Some("规则")
        );
        assert_eq!(
            document_type("郑州市实施《中华人民共和国工会法》办法"),
            Some("办法")
        );
        assert_eq!(document_type("中华人民共和国国务院组织法"), Some("法"));
        assert_eq!(
            document_type("1998年中华人民共和国国务院政府工作报告"),
            Some("工作报告")
        );
        assert_eq!(document_type("重磅!环太湖科创圈来了"), None);
    }
}
