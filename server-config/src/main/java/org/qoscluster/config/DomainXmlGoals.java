package org.qoscluster.config;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * The MicroProfile Config properties of a member's {@code domain.xml} ({@code <property
 * name="payara.microprofile.KEY" value="..."/>} directly under {@code <config name="server-config">}),
 * read, and the QoS goal keys among them rewritten. Pure: text in, text out.
 *
 * <p>{@link #withGoals} edits the text in place, so an admin's file stays as it was but for the
 * goal properties: a changed value is replaced inside its quotes, a removed key's element (and its
 * line) is cut out, a new key is a new line after the last goal property, indented like it. The
 * result is parsed again and checked; a file laid out so that the edit would not come out right
 * (for example a goal property with child elements) is written anew from its parsed form instead.
 */
public final class DomainXmlGoals {

    /** Prefix of a MicroProfile Config property in {@code domain.xml}. */
    public static final String MP_PREFIX = "payara.microprofile.";
    private static final String SERVER_CONFIG = "server-config";
    private static final Pattern CONFIG_TAG = Pattern.compile("<config\\b([^>]*)>");
    private static final Pattern PROPERTY = Pattern.compile(
            "<property\\b((?:\\s+[\\w.:-]+\\s*=\\s*(?:\"[^\"]*\"|'[^']*'))*)\\s*(?:/>|>\\s*</property\\s*>)");
    private static final Pattern ATTRIBUTE = Pattern.compile("([\\w.:-]+)\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)')");

    private DomainXmlGoals() {
    }

    /**
     * Every MicroProfile Config property of the file, by key ({@code payara.microprofile.} taken
     * off), in file order. An {@link InvalidConfigException} when the text is no {@code domain.xml}
     * or a key appears twice.
     */
    public static Map<String, String> properties(String xml) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Node n = serverConfig(parse(xml)).getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && "property".equals(e.getTagName()) && e.getAttribute("name").startsWith(MP_PREFIX)) {
                String key = e.getAttribute("name").substring(MP_PREFIX.length());
                if (out.put(key, e.getAttribute("value")) != null) {
                    problems.add(key + ": given twice in domain.xml (<property name=\"" + MP_PREFIX + key + "\">)");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return out;
    }

    /** The goal keys ({@code qos.class.*}) of the file, sorted. */
    public static SortedMap<String, String> goalProperties(String xml) {
        return GoalSet.goalKeys(properties(xml));
    }

    /**
     * The text of {@code xml} with its goal properties replaced by {@code goals} (keys
     * {@code qos.class.*}; others are refused), everything else as it was.
     */
    public static String withGoals(String xml, Map<String, String> goals) {
        SortedMap<String, String> wanted = new TreeMap<>(goals);
        wanted.keySet().stream().filter(k -> !GoalSet.isGoalKey(k)).findFirst().ifPresent(k -> {
            throw new IllegalArgumentException(k + " is not a goal key");
        });
        String edited = editText(xml, wanted);
        if (edited != null && wanted.equals(goalPropertiesOrNull(edited))) {
            return edited;
        }
        return rewrite(xml, wanted);
    }

    private static SortedMap<String, String> goalPropertiesOrNull(String xml) {
        try {
            return goalProperties(xml);
        } catch (InvalidConfigException e) {
            return null;
        }
    }

    private record Found(String key, int start, int end, int valueStart, int valueEnd, String rawValue) {
    }

    private record Edit(int start, int end, String text) {
    }

    /** The in-place edit, or null when the file's layout is not one this can edit. */
    private static String editText(String xml, SortedMap<String, String> wanted) {
        String masked = mask(xml);
        int configStart = -1;
        int configEnd = -1;
        Matcher c = CONFIG_TAG.matcher(masked);
        while (c.find()) {
            if (SERVER_CONFIG.equals(attributes(c.group(1)).get("name"))) {
                configStart = c.end();
                configEnd = masked.indexOf("</config>", configStart);
                break;
            }
        }
        if (configStart < 0 || configEnd < 0) {
            return null;
        }
        List<Found> found = new ArrayList<>();
        int lastOtherStart = -1;
        int lastOtherEnd = -1;
        Matcher p = PROPERTY.matcher(masked).region(configStart, configEnd);
        while (p.find()) {
            Map<String, String> attrs = attributes(p.group(1));
            String name = attrs.getOrDefault("name", "");
            if (!name.startsWith(MP_PREFIX) || !GoalSet.isGoalKey(name.substring(MP_PREFIX.length()))) {
                lastOtherStart = p.start();
                lastOtherEnd = p.end();
                continue;
            }
            Matcher value = Pattern.compile("\\bvalue\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)')").matcher(masked)
                    .region(p.start(1), p.end(1));
            if (!value.find()) {
                return null;
            }
            int group = value.group(1) != null ? 1 : 2;
            found.add(new Found(name.substring(MP_PREFIX.length()), p.start(), p.end(), value.start(group), value.end(group),
                    xml.substring(value.start(group), value.end(group))));
        }
        String newline = xml.contains("\r\n") ? "\r\n" : "\n";
        List<Edit> edits = new ArrayList<>();
        Map<String, Boolean> kept = new TreeMap<>();
        Found lastKept = null;
        for (Found f : found) {
            String want = wanted.get(f.key());
            if (want == null || kept.containsKey(f.key())) {
                edits.add(removeLine(xml, f.start(), f.end()));
            } else {
                kept.put(f.key(), true);
                lastKept = f;
                if (!decode(f.rawValue()).equals(want)) {
                    edits.add(new Edit(f.valueStart(), f.valueEnd(), escape(want)));
                }
            }
        }
        StringBuilder added = new StringBuilder();
        int anchor;
        String indent;
        if (lastKept != null) {
            anchor = lastKept.end();
            indent = indentOf(xml, lastKept.start());
        } else if (lastOtherStart >= 0) {
            anchor = lastOtherEnd;
            indent = indentOf(xml, lastOtherStart);
        } else {
            anchor = xml.lastIndexOf('\n', configEnd - 1);
            if (anchor < configStart) {
                return null;
            }
            if (anchor > 0 && xml.charAt(anchor - 1) == '\r') {
                anchor--;
            }
            indent = indentOf(xml, configEnd) + "  ";
        }
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            if (!kept.containsKey(e.getKey())) {
                added.append(newline).append(indent).append("<property name=\"").append(escape(MP_PREFIX + e.getKey()))
                        .append("\" value=\"").append(escape(e.getValue())).append("\"/>");
            }
        }
        if (added.length() > 0) {
            edits.add(new Edit(anchor, anchor, added.toString()));
        }
        edits.sort(Comparator.comparingInt(Edit::start).reversed());
        StringBuilder out = new StringBuilder(xml);
        int limit = Integer.MAX_VALUE;
        for (Edit e : edits) {
            if (e.end() > limit) {
                return null;
            }
            out.replace(e.start(), e.end(), e.text());
            limit = e.start();
        }
        return out.toString();
    }

    /** Cuts an element out; with its whole line when nothing else is on it. */
    private static Edit removeLine(String xml, int start, int end) {
        int lineStart = xml.lastIndexOf('\n', start - 1) + 1;
        int lineEnd = end;
        while (lineEnd < xml.length() && (xml.charAt(lineEnd) == ' ' || xml.charAt(lineEnd) == '\t' || xml.charAt(lineEnd) == '\r')) {
            lineEnd++;
        }
        boolean aloneBefore = xml.substring(lineStart, start).isBlank();
        boolean aloneAfter = lineEnd == xml.length() || xml.charAt(lineEnd) == '\n';
        if (aloneBefore && aloneAfter && lineStart > 0) {
            // Take the line break before it, so the next line keeps its own.
            int from = lineStart - 1;
            if (from > 0 && xml.charAt(from - 1) == '\r') {
                from--;
            }
            return new Edit(from, lineEnd, "");
        }
        return new Edit(start, end, "");
    }

    private static String indentOf(String xml, int at) {
        int lineStart = xml.lastIndexOf('\n', at - 1) + 1;
        String before = xml.substring(lineStart, at);
        return before.isBlank() ? before : "";
    }

    /** The text with comments, CDATA sections and processing instructions blanked out (same length). */
    private static String mask(String xml) {
        StringBuilder m = new StringBuilder(xml);
        blank(m, xml, "<!--", "-->");
        blank(m, xml, "<![CDATA[", "]]>");
        blank(m, xml, "<?", "?>");
        return m.toString();
    }

    private static void blank(StringBuilder m, String xml, String open, String close) {
        int from = 0;
        while (true) {
            int s = xml.indexOf(open, from);
            if (s < 0) {
                return;
            }
            int e = xml.indexOf(close, s + open.length());
            int end = e < 0 ? xml.length() : e + close.length();
            for (int i = s; i < end; i++) {
                if (m.charAt(i) != '\n') {
                    m.setCharAt(i, ' ');
                }
            }
            from = end;
        }
    }

    private static Map<String, String> attributes(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher a = ATTRIBUTE.matcher(text);
        while (a.find()) {
            out.put(a.group(1), decode(a.group(2) != null ? a.group(2) : a.group(3)));
        }
        return out;
    }

    /** Attribute text to its value: the predefined entities and character references. */
    static String decode(String raw) {
        if (raw.indexOf('&') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < raw.length()) {
            char ch = raw.charAt(i);
            int semi = raw.indexOf(';', i);
            if (ch != '&' || semi < 0) {
                out.append(ch);
                i++;
                continue;
            }
            String entity = raw.substring(i + 1, semi);
            switch (entity) {
                case "amp" -> out.append('&');
                case "lt" -> out.append('<');
                case "gt" -> out.append('>');
                case "quot" -> out.append('"');
                case "apos" -> out.append('\'');
                default -> {
                    if (entity.startsWith("#x")) {
                        out.appendCodePoint(Integer.parseInt(entity.substring(2), 16));
                    } else if (entity.startsWith("#")) {
                        out.appendCodePoint(Integer.parseInt(entity.substring(1)));
                    } else {
                        out.append(raw, i, semi + 1);
                    }
                }
            }
            i = semi + 1;
        }
        return out.toString();
    }

    static String escape(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\n' -> out.append("&#10;");
                case '\r' -> out.append("&#13;");
                case '\t' -> out.append("&#9;");
                default -> out.append(ch);
            }
        }
        return out.toString();
    }

    /** The whole file written anew from its parsed form, with the goal properties replaced. */
    private static String rewrite(String xml, SortedMap<String, String> wanted) {
        Document doc = parse(xml);
        Element config = serverConfig(doc);
        List<Element> old = new ArrayList<>();
        for (Node n = config.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && "property".equals(e.getTagName()) && e.getAttribute("name").startsWith(MP_PREFIX)
                    && GoalSet.isGoalKey(e.getAttribute("name").substring(MP_PREFIX.length()))) {
                old.add(e);
            }
        }
        old.forEach(config::removeChild);
        wanted.forEach((k, v) -> {
            Element p = doc.createElement("property");
            p.setAttribute("name", MP_PREFIX + k);
            p.setAttribute("value", v);
            config.appendChild(p);
        });
        return org.qoscluster.config.internal.DomainXmlPatcher.write(doc);
    }

    private static Element serverConfig(Document doc) {
        for (Node n = doc.getDocumentElement().getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element configs && "configs".equals(configs.getTagName())) {
                for (Node m = configs.getFirstChild(); m != null; m = m.getNextSibling()) {
                    if (m instanceof Element c && "config".equals(c.getTagName()) && SERVER_CONFIG.equals(c.getAttribute("name"))) {
                        return c;
                    }
                }
            }
        }
        throw new InvalidConfigException(List.of("domain.xml: no <configs><config name=\"server-config\"> element"));
    }

    private static Document parse(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            javax.xml.parsers.DocumentBuilder b = f.newDocumentBuilder();
            // Errors become the exception below, not lines on standard error.
            b.setErrorHandler(new org.xml.sax.helpers.DefaultHandler() {
                @Override
                public void fatalError(org.xml.sax.SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            return b.parse(new InputSource(new StringReader(xml)));
        } catch (SAXException | IOException e) {
            throw new InvalidConfigException(List.of("domain.xml: not well-formed XML (" + e.getMessage() + ")"));
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("no XML parser", e);
        }
    }
}
