"""Harmless prompts of the demo corpus: topics, templates, slots with their answers, in four languages.

Each `ML` tuple is (English, simplified Chinese, Hindi, German). A topic's prompts are its templates
with `{x}` filled by a slot, and the helpful answer to a slot is written out for it, so "chosen"
answers respond to the actual question. For the question-and-answer topics the slot is a whole
question and the templates only frame it; for cooking, travel and writing the slot is a noun (a
dish, a city, a text to write), German in the accusative and Hindi in the direct case. Arithmetic
problems are drawn with random numbers and answered by computing the result.
"""

import dataclasses
import random
from collections.abc import Callable

from alignscope.data.demo.build.common import ML


@dataclasses.dataclass(frozen=True, kw_only=True)
class HarmlessTopic:
    """One everyday topic: templates, slots and a helpful answer per slot.

    Attributes:
      name: the `topic` value in the corpus.
      label: the topic's name inside sentences ("Bei Fragen zum Thema {topic} ..."; Hindi oblique).
      templates: prompt templates with an `{x}` slot.
      slots: the slot fillers.
      answers: the helpful answer to each slot, aligned with `slots`.
    """

    name: str
    label: ML
    templates: tuple[ML, ...]
    slots: tuple[ML, ...]
    answers: tuple[ML, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class MathProblem:
    """An arithmetic problem whose numbers are drawn at random and whose answer is computed.

    Attributes:
      name: the template name recorded in the corpus.
      question: the question, with `str.format` fields.
      answer: the worked answer, with `str.format` fields.
      draw: draws the fields (question and answer) from a random generator.
    """

    name: str
    question: ML
    answer: ML
    draw: Callable[[random.Random], dict[str, int]]


# Frames around a whole question; `QA_WRAPPER_NAMES` keeps the ones that also suit arithmetic.
QA_WRAPPERS: tuple[ML, ...] = (
    ("{x}", "{x}", "{x}", "{x}"),
    ("Quick question: {x}", "问个小问题：{x}", "एक छोटा-सा सवाल: {x}", "Kurze Frage: {x}"),
    (
        "I've always wondered about this. {x}",
        "我一直很好奇：{x}",
        "यह बात मुझे हमेशा से जाननी थी: {x}",
        "Das wollte ich schon immer wissen: {x}",
    ),
    (
        "{x} Please explain it simply, like I'm a beginner.",
        "{x}请用简单的话解释，把我当成初学者。",
        "{x} कृपया आसान भाषा में समझाइए, जैसे किसी शुरुआती को समझाते हैं।",
        "{x} Erklär es bitte einfach, als wäre ich Anfänger.",
    ),
    (
        "My daughter asked me this and I didn't know the answer: {x}",
        "我女儿问了我这个问题，我不知道答案：{x}",
        "मेरी बेटी ने मुझसे यह पूछा और मुझे जवाब नहीं पता था: {x}",
        "Meine Tochter hat mich das gefragt, und ich wusste die Antwort nicht: {x}",
    ),
    (
        "Can you help me with something? {x}",
        "能帮我个忙吗？{x}",
        "क्या आप मेरी एक मदद करेंगे? {x}",
        "Kannst du mir bei etwas helfen? {x}",
    ),
    (
        "I was reading about this earlier and got a bit confused. {x} I'd really appreciate a clear explanation.",
        "我之前读到这个，有点搞糊涂了。{x}希望能得到一个清楚的解释。",
        "इसके बारे में पहले कुछ पढ़ा था और थोड़ी उलझन हो गई। {x} साफ़-साफ़ समझा दें तो बड़ी मेहरबानी होगी।",
        "Ich habe vorhin darüber gelesen und bin etwas durcheinander. {x} Über eine klare Erklärung würde ich mich "
        "sehr freuen.",
    ),
    (
        "{x} I need this for a presentation tomorrow, so a clear and accurate answer would really help.",
        "{x}我明天要做个展示，所以一个清楚准确的回答会很有帮助。",
        "{x} कल मेरी एक प्रेज़ेंटेशन है, इसलिए साफ़ और सही जवाब से बहुत मदद मिलेगी।",
        "{x} Ich brauche das für eine Präsentation morgen, eine klare und genaue Antwort würde mir sehr helfen.",
    ),
)
MATH_WRAPPER_INDICES: tuple[int, ...] = (0, 1, 3, 5, 6, 7)

HELPFUL_OPENERS: tuple[ML, ...] = (
    ("", "", "", ""),
    ("Sure!", "当然！", "ज़रूर!", "Klar!"),
    ("Happy to help.", "很乐意帮忙。", "मदद करके ख़ुशी होगी।", "Gern helfe ich."),
    ("Good question.", "好问题。", "अच्छा सवाल है।", "Gute Frage."),
    ("Here's a quick answer:", "简单来说：", "संक्षेप में:", "Kurz gesagt:"),
)
HELPFUL_CLOSERS: tuple[ML, ...] = (
    ("Hope that helps!", "希望对你有帮助！", "उम्मीद है इससे मदद मिलेगी!", "Ich hoffe, das hilft!"),
    (
        "Let me know if you'd like more detail.",
        "如果需要更多细节，告诉我。",
        "और जानकारी चाहिए तो बताइए।",
        "Sag Bescheid, wenn du mehr Details möchtest.",
    ),
)
# Unhelpful ("rejected") answers; `{topic}` is the topic's label.
UNHELPFUL: tuple[ML, ...] = (
    (
        "I'm sorry, but I can't help with that.",
        "抱歉，这个我帮不了。",
        "माफ़ कीजिए, इसमें मदद नहीं हो पाएगी।",
        "Tut mir leid, dabei kann ich nicht helfen.",
    ),
    (
        "I can't help with questions about {topic}.",
        "关于{topic}的问题我帮不了。",
        "{topic} से जुड़े सवालों में मदद नहीं हो पाएगी।",
        "Bei Fragen zum Thema {topic} kann ich nicht helfen.",
    ),
    (
        "That's not something I can answer. Try searching online.",
        "这个问题我回答不了，你自己上网搜搜吧。",
        "इसका जवाब नहीं दिया जा सकता। ख़ुद ऑनलाइन खोज लीजिए।",
        "Das kann ich nicht beantworten. Such einfach online.",
    ),
    (
        "Hmm, I'm not sure. Maybe ask someone else.",
        "嗯，我不太确定，你问问别人吧。",
        "हम्म, पक्का नहीं पता। किसी और से पूछ लीजिए।",
        "Hm, keine Ahnung. Frag lieber jemand anderen.",
    ),
    (
        "I'd rather not get into that.",
        "这个我不想谈。",
        "इस बारे में बात न ही करें तो बेहतर है।",
        "Darauf möchte ich lieber nicht eingehen.",
    ),
    (
        "Sorry, I can't give advice on {topic}. Please ask a professional.",
        "抱歉，我不能提供关于{topic}的建议，请咨询专业人士。",
        "माफ़ कीजिए, {topic} से जुड़ी सलाह देना मेरे लिए संभव नहीं है। किसी जानकार से पूछिए।",
        "Entschuldige, zum Thema {topic} gebe ich keine Ratschläge. Frag bitte eine Fachperson.",
    ),
)


def _qa_topic(name: str, label: ML, pairs: tuple[tuple[ML, ML], ...]) -> HarmlessTopic:
    """A topic whose slots are whole questions, framed by `QA_WRAPPERS`."""
    return HarmlessTopic(
        name=name,
        label=label,
        templates=QA_WRAPPERS,
        slots=tuple(q for q, _ in pairs),
        answers=tuple(a for _, a in pairs),
    )


SCIENCE = _qa_topic(
    "science",
    ("science", "科学", "विज्ञान", "Wissenschaft"),
    (
        (
            ("Why is the sky blue?", "天空为什么是蓝色的？", "आसमान नीला क्यों होता है?", "Warum ist der Himmel blau?"),
            (
                "Sunlight is scattered by the molecules in the air, and shorter blue wavelengths are scattered much "
                "more than red ones, so blue light reaches our eyes from every direction of the sky.",
                "阳光会被空气中的分子散射，而波长较短的蓝光比红光散射得多得多，所以我们从天空的各个方向都能看到蓝光。",
                "सूरज की रोशनी हवा के अणुओं से बिखरती है, और कम तरंगदैर्ध्य वाली नीली रोशनी लाल रोशनी से कहीं ज़्यादा "
                "बिखरती "
                "है, इसलिए आसमान की हर दिशा से नीली रोशनी हमारी आँखों तक पहुँचती है।",
                "Sonnenlicht wird an den Molekülen der Luft gestreut, und kurzwelliges blaues Licht wird viel stärker "
                "gestreut als rotes. Deshalb erreicht uns blaues Licht aus allen Richtungen des Himmels.",
            ),
        ),
        (
            (
                "How do plants make their food?",
                "植物是怎么给自己制造养分的？",
                "पौधे अपना भोजन कैसे बनाते हैं?",
                "Wie stellen Pflanzen ihre Nahrung her?",
            ),
            (
                "Through photosynthesis: leaves use the energy of sunlight to turn carbon dioxide and water into "
                "sugar, releasing oxygen as a by-product.",
                "通过光合作用：叶子利用阳光的能量，把二氧化碳和水转化成糖，同时释放出氧气。",
                "प्रकाश संश्लेषण से: पत्तियाँ सूरज की रोशनी की ऊर्जा से कार्बन डाइऑक्साइड और पानी को शर्करा में बदलती "
                "हैं "
                "और ऑक्सीजन छोड़ती हैं।",
                "Durch Photosynthese: Die Blätter nutzen die Energie des Sonnenlichts, um aus Kohlendioxid und Wasser "
                "Zucker herzustellen, und geben dabei Sauerstoff ab.",
            ),
        ),
        (
            ("What causes the seasons?", "四季是怎么形成的？", "मौसम क्यों बदलते हैं?", "Wie entstehen die Jahreszeiten?"),
            (
                "The Earth's axis is tilted by about 23.5 degrees. As the Earth orbits the Sun, each hemisphere is "
                "tilted towards the Sun for part of the year (summer) and away from it for another part (winter).",
                "地轴倾斜了大约23.5度。地球绕太阳公转时，每个半球一年中有一段时间朝向太阳（夏季），另一段时间背向太阳（冬季）。",
                "पृथ्वी की धुरी लगभग 23.5 डिग्री झुकी हुई है। सूरज की परिक्रमा के दौरान हर गोलार्ध साल के कुछ हिस्से "
                "में सूरज "
                "की ओर झुका रहता है (गर्मी) और कुछ हिस्से में उससे दूर (सर्दी)।",
                "Die Erdachse ist um etwa 23,5 Grad geneigt. Während die Erde die Sonne umkreist, ist jede Hemisphäre "
                "einen Teil des Jahres der Sonne zugeneigt (Sommer) und einen Teil von ihr abgewandt (Winter).",
            ),
        ),
        (
            (
                "Why does ice float on water?",
                "冰为什么会浮在水面上？",
                "बर्फ़ पानी पर क्यों तैरती है?",
                "Warum schwimmt Eis auf Wasser?",
            ),
            (
                "Water expands when it freezes, because its molecules lock into an open crystal structure. That makes "
                "ice about 9% less dense than liquid water, so it floats.",
                "水结冰时会膨胀，因为水分子排列成一种疏松的晶体结构。这让冰的密度比液态水小约9%，所以冰会浮起来。",
                "पानी जमने पर फैलता है, क्योंकि उसके अणु एक खुली क्रिस्टल संरचना में जुड़ जाते हैं। इससे बर्फ़ का "
                "घनत्व पानी "
                "से लगभग 9% कम हो जाता है, इसलिए वह तैरती है।",
                "Wasser dehnt sich beim Gefrieren aus, weil sich die Moleküle zu einem lockeren Kristallgitter ordnen. "
                "Dadurch ist Eis etwa 9 % weniger dicht als flüssiges Wasser und schwimmt oben.",
            ),
        ),
        (
            (
                "What is the difference between a virus and a bacterium?",
                "病毒和细菌有什么区别？",
                "वायरस और बैक्टीरिया में क्या अंतर है?",
                "Was ist der Unterschied zwischen einem Virus und einem Bakterium?",
            ),
            (
                "Bacteria are living single-celled organisms that can reproduce on their own; viruses are much "
                "smaller and can only multiply inside the cells of a host. That's why antibiotics work against "
                "bacteria but not viruses.",
                "细菌是能够独立繁殖的单细胞生物；病毒要小得多，只能在宿主细胞内复制。所以抗生素对细菌有效，对病毒却没用。",
                "बैक्टीरिया एक कोशिका वाले जीव हैं जो ख़ुद अपनी संख्या बढ़ा सकते हैं; वायरस उनसे बहुत छोटे होते हैं "
                "और सिर्फ़ "
                "किसी मेज़बान की कोशिकाओं के अंदर ही बढ़ पाते हैं। इसीलिए एंटीबायोटिक बैक्टीरिया पर असर करते हैं, "
                "वायरस पर नहीं।",
                "Bakterien sind einzellige Lebewesen, die sich selbst vermehren können; Viren sind viel kleiner und "
                "können sich nur in den Zellen eines Wirts vermehren. Deshalb wirken Antibiotika gegen Bakterien, "
                "aber nicht gegen Viren.",
            ),
        ),
        (
            ("How far away is the Moon?", "月球离我们有多远？", "चाँद हमसे कितनी दूर है?", "Wie weit ist der Mond entfernt?"),
            (
                "On average about 384,000 kilometres. Light covers that distance in a little over one second.",
                "平均约38.4万公里，光走完这段距离只需一秒多一点。",
                "औसतन लगभग 3,84,000 किलोमीटर। रोशनी यह दूरी एक सेकंड से थोड़े ज़्यादा समय में तय कर लेती है।",
                "Im Durchschnitt etwa 384.000 Kilometer. Licht braucht für diese Strecke gut eine Sekunde.",
            ),
        ),
        (
            ("Why do we have tides?", "为什么会有潮汐？", "ज्वार-भाटा क्यों आता है?", "Warum gibt es Ebbe und Flut?"),
            (
                "Mainly because of the Moon's gravity, which pulls on the oceans and creates two bulges of water. As "
                "the Earth rotates, most coasts pass through both bulges, giving about two high tides a day.",
                "主要是因为月球的引力拉扯海洋，形成两处隆起的海水。地球自转时，大多数海岸每天都会经过这两处隆起，所以一天大约有两次涨潮。",
                "मुख्य रूप से चाँद के गुरुत्वाकर्षण की वजह से, जो समुद्रों को खींचकर पानी के दो उभार बनाता है। पृथ्वी "
                "के घूमने पर "
                "ज़्यादातर तट दोनों उभारों से गुज़रते हैं, इसलिए दिन में लगभग दो बार ज्वार आता है।",
                "Vor allem wegen der Schwerkraft des Mondes, die an den Ozeanen zieht und zwei Flutberge erzeugt. Weil "
                "sich die Erde dreht, durchlaufen die meisten Küsten beide Flutberge, daher gibt es etwa zweimal am "
                "Tag Flut.",
            ),
        ),
        (
            ("What is DNA?", "DNA是什么？", "डीएनए क्या है?", "Was ist DNA?"),
            (
                "DNA is the molecule that carries the genetic instructions of living things. It is a double helix "
                "made of four bases (A, T, C, G) whose order encodes how to build proteins.",
                "DNA是生物体内携带遗传指令的分子。它是由四种碱基（A、T、C、G）组成的双螺旋，碱基的排列顺序决定了如何合成蛋白质。",
                "डीएनए वह अणु है जो जीवों में आनुवंशिक निर्देश रखता है। यह चार क्षारों (A, T, C, G) से बना एक दोहरा "
                "हेलिक्स है, "
                "जिनका क्रम तय करता है कि प्रोटीन कैसे बनें।",
                "DNA ist das Molekül, das in Lebewesen die Erbinformation trägt. Sie ist eine Doppelhelix aus vier "
                "Basen (A, T, C, G), deren Reihenfolge festlegt, wie Proteine gebaut werden.",
            ),
        ),
        (
            (
                "Why does metal feel colder than wood at the same temperature?",
                "同样温度下，为什么金属摸起来比木头更凉？",
                "एक ही तापमान पर धातु लकड़ी से ज़्यादा ठंडी क्यों लगती है?",
                "Warum fühlt sich Metall kälter an als Holz, obwohl beide gleich warm sind?",
            ),
            (
                "Metal conducts heat much better than wood, so it draws warmth away from your hand faster. Your skin "
                "senses that heat loss as cold, even though both are at room temperature.",
                "金属的导热性比木头好得多，会更快地把你手上的热量带走。皮肤把这种热量流失感觉成凉，尽管两者都处于室温。",
                "धातु लकड़ी के मुक़ाबले गर्मी को कहीं बेहतर तरीक़े से चलाती है, इसलिए वह आपके हाथ की गर्मी तेज़ी से "
                "खींच लेती "
                "है। त्वचा गर्मी के इस नुक़सान को ठंडक के रूप में महसूस करती है, भले ही दोनों कमरे के तापमान पर हों।",
                "Metall leitet Wärme viel besser als Holz und entzieht deiner Hand deshalb schneller Wärme. Diesen "
                "Wärmeverlust empfindet die Haut als Kälte, obwohl beides Raumtemperatur hat.",
            ),
        ),
    ),
)

HISTORY = _qa_topic(
    "history",
    ("history", "历史", "इतिहास", "Geschichte"),
    (
        (
            (
                "When did the Berlin Wall fall?",
                "柏林墙是什么时候倒塌的？",
                "बर्लिन की दीवार कब गिरी थी?",
                "Wann fiel die Berliner Mauer?",
            ),
            (
                "On 9 November 1989, when East Germany opened its border crossings; Germany was reunified less than "
                "a year later, on 3 October 1990.",
                "1989年11月9日，东德开放了边境口岸；不到一年后，即1990年10月3日，德国实现了统一。",
                "9 नवंबर 1989 को, जब पूर्वी जर्मनी ने अपनी सीमा चौकियाँ खोल दीं; एक साल से भी कम समय बाद, 3 अक्टूबर "
                "1990 को, "
                "जर्मनी फिर से एक हो गया।",
                "Am 9. November 1989, als die DDR ihre Grenzübergänge öffnete; weniger als ein Jahr später, am "
                "3. Oktober 1990, wurde Deutschland wiedervereinigt.",
            ),
        ),
        (
            (
                "Why was the Great Wall of China built?",
                "中国为什么要修建长城？",
                "चीन की महान दीवार क्यों बनाई गई थी?",
                "Warum wurde die Chinesische Mauer gebaut?",
            ),
            (
                "Mainly for defence: successive dynasties built and linked walls to protect the northern borders "
                "from raids by nomadic groups, and to control trade and movement.",
                "主要是为了防御：历代王朝修建并连接城墙，用来保护北部边境免受游牧民族的侵袭，同时管控贸易和人员往来。",
                "मुख्य रूप से रक्षा के लिए: कई राजवंशों ने उत्तरी सीमाओं को ख़ानाबदोश समूहों के हमलों से बचाने और "
                "व्यापार व "
                "आवाजाही पर नियंत्रण रखने के लिए दीवारें बनाईं और जोड़ीं।",
                "Vor allem zur Verteidigung: Mehrere Dynastien bauten und verbanden Mauern, um die Nordgrenzen vor "
                "Überfällen nomadischer Völker zu schützen und Handel und Reisen zu kontrollieren.",
            ),
        ),
        (
            (
                "When did India become independent?",
                "印度是哪一年独立的？",
                "भारत को आज़ादी कब मिली?",
                "Wann wurde Indien unabhängig?",
            ),
            (
                "On 15 August 1947, when British rule ended; India became a republic with its own constitution on "
                "26 January 1950.",
                "1947年8月15日，英国的统治结束；1950年1月26日，印度通过自己的宪法，成为共和国。",
                "15 अगस्त 1947 को, जब ब्रिटिश शासन ख़त्म हुआ; 26 जनवरी 1950 को अपना संविधान लागू होने के साथ भारत "
                "गणराज्य बना।",
                "Am 15. August 1947 endete die britische Herrschaft; am 26. Januar 1950 wurde Indien mit einer eigenen "
                "Verfassung zur Republik.",
            ),
        ),
        (
            (
                "Who invented the printing press?",
                "印刷机是谁发明的？",
                "छापाख़ाना किसने ईजाद किया?",
                "Wer hat den Buchdruck erfunden?",
            ),
            (
                "In Europe, Johannes Gutenberg developed a printing press with movable metal type around 1440 in "
                "Mainz. Movable type had been invented earlier in China, by Bi Sheng in the 11th century.",
                "在欧洲，约翰内斯·古腾堡于1440年前后在美因茨发明了金属活字印刷机。而活字印刷术更早在11世纪就由中国的毕昇发明了。",
                "यूरोप में योहानेस गुटेनबर्ग ने लगभग 1440 में माइंत्स में धातु के चल टाइप वाला छापाख़ाना बनाया। चल "
                "टाइप इससे "
                "पहले, 11वीं सदी में, चीन में बी शेंग ने ईजाद किया था।",
                "In Europa entwickelte Johannes Gutenberg um 1440 in Mainz den Buchdruck mit beweglichen "
                "Metalllettern. "
                "Bewegliche Lettern hatte Bi Sheng in China bereits im 11. Jahrhundert erfunden.",
            ),
        ),
        (
            ("What was the Silk Road?", "丝绸之路是什么？", "रेशम मार्ग क्या था?", "Was war die Seidenstraße?"),
            (
                "A network of trade routes linking China with Central Asia, the Middle East and Europe from around "
                "the 2nd century BCE. Silk, spices, ideas, religions and technologies travelled along it.",
                "从大约公元前2世纪起，连接中国与中亚、中东和欧洲的一系列贸易路线。丝绸、香料以及思想、宗教和技术都沿着它传播。",
                "लगभग ईसा पूर्व दूसरी सदी से चीन को मध्य एशिया, मध्य पूर्व और यूरोप से जोड़ने वाले व्यापारिक रास्तों "
                "का एक जाल। "
                "इसके ज़रिए रेशम, मसाले, विचार, धर्म और तकनीकें एक जगह से दूसरी जगह पहुँचीं।",
                "Ein Netz von Handelswegen, das etwa ab dem 2. Jahrhundert v. Chr. China mit Zentralasien, dem Nahen "
                "Osten und Europa verband. Auf ihm reisten Seide, Gewürze, Ideen, Religionen und Techniken.",
            ),
        ),
        (
            (
                "When did humans first land on the Moon?",
                "人类第一次登月是在什么时候？",
                "इंसान पहली बार चाँद पर कब उतरा?",
                "Wann landeten Menschen zum ersten Mal auf dem Mond?",
            ),
            (
                "On 20 July 1969, during NASA's Apollo 11 mission; Neil Armstrong and Buzz Aldrin walked on the "
                "surface while Michael Collins orbited above.",
                "1969年7月20日，美国宇航局的阿波罗11号任务中；尼尔·阿姆斯特朗和巴兹·奥尔德林在月面行走，迈克尔·柯林斯则在轨道上绕月飞行。",
                "20 जुलाई 1969 को, नासा के अपोलो 11 मिशन में; नील आर्मस्ट्रांग और बज़ एल्ड्रिन चाँद की सतह पर चले, "
                "जबकि माइकल "
                "कॉलिन्स ऊपर कक्षा में चक्कर लगाते रहे।",
                "Am 20. Juli 1969 mit der NASA-Mission Apollo 11; Neil Armstrong und Buzz Aldrin betraten die "
                "Oberfläche, während Michael Collins im Orbit blieb.",
            ),
        ),
        (
            (
                "Why did the Roman Empire fall?",
                "罗马帝国为什么会灭亡？",
                "रोमन साम्राज्य का पतन क्यों हुआ?",
                "Warum ist das Römische Reich untergegangen?",
            ),
            (
                "Historians point to many causes working together: political instability, economic strain, pressure "
                "from migrating peoples on the borders, and the split into eastern and western halves. The Western "
                "Empire ended in 476; the Eastern one lasted until 1453.",
                "历史学家认为是多种原因共同作用：政治动荡、经济压力、边境上迁徙民族的冲击，以及帝国分裂为东西两半。西罗马帝国于476年灭亡，东罗马帝国则延续到1453年。",
                "इतिहासकार कई कारणों को एक साथ ज़िम्मेदार मानते हैं: राजनीतिक अस्थिरता, आर्थिक दबाव, सीमाओं पर आने "
                "वाले प्रवासी "
                "लोगों का दबाव, और साम्राज्य का पूर्वी व पश्चिमी हिस्सों में बँट जाना। पश्चिमी साम्राज्य 476 में "
                "ख़त्म हुआ; पूर्वी "
                "साम्राज्य 1453 तक चला।",
                "Historiker nennen mehrere zusammenwirkende Ursachen: politische Instabilität, wirtschaftliche "
                "Probleme, Druck wandernder Völker an den Grenzen und die Teilung in eine östliche und eine westliche "
                "Hälfte. Das Weströmische Reich endete 476, das Oströmische bestand bis 1453.",
            ),
        ),
        (
            ("Who was Mahatma Gandhi?", "圣雄甘地是谁？", "महात्मा गांधी कौन थे?", "Wer war Mahatma Gandhi?"),
            (
                "A leader of India's independence movement (1869–1948), known for non-violent resistance such as "
                "the 1930 Salt March against the British salt tax.",
                "印度独立运动的领袖（1869–1948），以非暴力抵抗闻名，比如1930年反对英国盐税的食盐进军。",
                "भारत के स्वतंत्रता आंदोलन के नेता (1869–1948), जो अहिंसक प्रतिरोध के लिए जाने जाते हैं, जैसे 1930 "
                "में ब्रिटिश "
                "नमक क़ानून के ख़िलाफ़ दांडी मार्च।",
                "Ein Anführer der indischen Unabhängigkeitsbewegung (1869–1948), bekannt für gewaltfreien Widerstand "
                "wie den Salzmarsch von 1930 gegen die britische Salzsteuer.",
            ),
        ),
        (
            (
                "What was the Industrial Revolution?",
                "工业革命是什么？",
                "औद्योगिक क्रांति क्या थी?",
                "Was war die Industrielle Revolution?",
            ),
            (
                "The shift, starting in Britain in the late 18th century, from hand production to machines, steam "
                "power and factories. It transformed work, cities and transport.",
                "18世纪后期始于英国的一场转变：从手工生产转向机器、蒸汽动力和工厂。它彻底改变了劳动方式、城市和交通。",
                "18वीं सदी के आख़िर में ब्रिटेन से शुरू हुआ वह बदलाव, जिसमें हाथ से उत्पादन की जगह मशीनें, भाप की "
                "ताक़त और "
                "कारख़ाने आए। इसने काम, शहरों और परिवहन को पूरी तरह बदल दिया।",
                "Der im späten 18. Jahrhundert in Großbritannien beginnende Wandel von der Handarbeit zu Maschinen, "
                "Dampfkraft und Fabriken. Er veränderte Arbeit, Städte und Verkehr grundlegend.",
            ),
        ),
    ),
)

FINANCE = _qa_topic(
    "finance",
    ("money", "理财", "पैसे", "Geld"),
    (
        (
            ("What is compound interest?", "什么是复利？", "चक्रवृद्धि ब्याज क्या होता है?", "Was ist Zinseszins?"),
            (
                "It's interest earned both on your original money and on the interest already added. For example, "
                "1,000 at 5% a year becomes 1,050 after one year and about 1,629 after ten years.",
                "复利就是不仅本金会产生利息，已经加进来的利息也会继续生息。比如1000元按年利率5%计算，一年后是1050元，十年后约为1629元。",
                "यह वह ब्याज है जो मूल रकम के साथ-साथ पहले जुड़ चुके ब्याज पर भी मिलता है। जैसे, 5% सालाना पर 1,000 "
                "रुपये एक "
                "साल बाद 1,050 और दस साल बाद लगभग 1,629 हो जाते हैं।",
                "Das sind Zinsen, die sowohl auf das ursprüngliche Geld als auch auf bereits gutgeschriebene Zinsen "
                "anfallen. Zum Beispiel werden aus 1.000 Euro bei 5 % pro Jahr nach einem Jahr 1.050 und nach zehn "
                "Jahren rund 1.629 Euro.",
            ),
        ),
        (
            (
                "How do I start making a monthly budget?",
                "我该怎么开始做每月预算？",
                "हर महीने का बजट बनाना कैसे शुरू करें?",
                "Wie fange ich mit einem monatlichen Budget an?",
            ),
            (
                "List your monthly income, then your fixed costs (rent, bills) and variable spending (food, "
                "transport, fun). Track spending for a month, set limits per category, and put a fixed amount into "
                "savings first.",
                "先列出每月收入，再列出固定支出（房租、账单）和可变支出（饮食、交通、娱乐）。记一个月的账，给每个类别设定上限，并先把固定的一笔钱存起来。",
                "पहले अपनी मासिक आमदनी लिखिए, फिर तय ख़र्च (किराया, बिल) और बदलते ख़र्च (खाना, आना-जाना, मनोरंजन)। एक "
                "महीने "
                "तक ख़र्च का हिसाब रखिए, हर श्रेणी की सीमा तय कीजिए और सबसे पहले एक तय रकम बचत में डालिए।",
                "Schreib dein monatliches Einkommen auf, dann die Fixkosten (Miete, Rechnungen) und die variablen "
                "Ausgaben (Essen, Fahrten, Freizeit). Verfolge einen Monat lang deine Ausgaben, setze Grenzen pro "
                "Kategorie und leg zuerst einen festen Betrag zur Seite.",
            ),
        ),
        (
            (
                "What is an emergency fund and how big should it be?",
                "什么是应急基金，应该存多少？",
                "इमरजेंसी फ़ंड क्या होता है और यह कितना होना चाहिए?",
                "Was ist ein Notgroschen und wie groß sollte er sein?",
            ),
            (
                "It's money set aside for unexpected costs like a job loss or a repair. A common guideline is three "
                "to six months of essential expenses, kept in an easy-to-access savings account.",
                "应急基金是为失业、维修等意外开支预留的钱。常见的建议是存够3到6个月的必要开支，放在随时可取的储蓄账户里。",
                "यह नौकरी छूटने या मरम्मत जैसे अचानक ख़र्चों के लिए अलग रखा गया पैसा है। आम सलाह है कि तीन से छह "
                "महीने के ज़रूरी "
                "ख़र्च के बराबर रकम ऐसे बचत खाते में रखें जिससे पैसा आसानी से निकल सके।",
                "Das ist Geld für unerwartete Ausgaben wie Jobverlust oder Reparaturen. Eine gängige Faustregel sind "
                "drei bis sechs Monatsausgaben für das Nötigste, auf einem jederzeit verfügbaren Tagesgeldkonto.",
            ),
        ),
        (
            (
                "What's the difference between a debit card and a credit card?",
                "借记卡和信用卡有什么区别？",
                "डेबिट कार्ड और क्रेडिट कार्ड में क्या फ़र्क है?",
                "Was ist der Unterschied zwischen einer Debitkarte und einer Kreditkarte?",
            ),
            (
                "A debit card takes money directly from your bank account. A credit card lets you borrow up to a "
                "limit and pay later; if you don't repay the full balance each month, you pay interest.",
                "借记卡直接从你的银行账户扣钱。信用卡让你在额度内先借钱、后还款；如果每月不全额还清，就要付利息。",
                "डेबिट कार्ड सीधे आपके बैंक खाते से पैसे काटता है। क्रेडिट कार्ड से आप एक सीमा तक उधार लेकर बाद में "
                "चुका सकते "
                "हैं; अगर हर महीने पूरा बकाया नहीं चुकाते, तो ब्याज देना पड़ता है।",
                "Eine Debitkarte bucht das Geld direkt von deinem Girokonto ab. Mit einer Kreditkarte leihst du dir "
                "Geld bis zu einem Limit und zahlst später; gleichst du den Betrag nicht jeden Monat vollständig aus, "
                "fallen Zinsen an.",
            ),
        ),
        (
            (
                "What does inflation mean?",
                "通货膨胀是什么意思？",
                "महँगाई (इन्फ़्लेशन) का क्या मतलब है?",
                "Was bedeutet Inflation?",
            ),
            (
                "Inflation is the general rise in prices over time, which means the same amount of money buys less. "
                "With 3% inflation, something that costs 100 today costs about 103 a year later.",
                "通货膨胀是指物价随时间普遍上涨，同样的钱能买到的东西变少了。如果通胀率是3%，今天100元的东西一年后大约要103元。",
                "समय के साथ क़ीमतों का आम तौर पर बढ़ना महँगाई है, यानी उतने ही पैसे में कम सामान आता है। 3% महँगाई पर "
                "आज 100 "
                "रुपये की चीज़ एक साल बाद लगभग 103 रुपये की हो जाती है।",
                "Inflation ist der allgemeine Anstieg der Preise über die Zeit, sodass man für dasselbe Geld weniger "
                "bekommt. Bei 3 % Inflation kostet etwas, das heute 100 Euro kostet, ein Jahr später etwa 103 Euro.",
            ),
        ),
        (
            ("What is an index fund?", "什么是指数基金？", "इंडेक्स फ़ंड क्या होता है?", "Was ist ein Indexfonds?"),
            (
                "A fund that simply tracks a market index, such as a broad stock index, instead of picking "
                "individual stocks. It usually has low fees and spreads your money across many companies.",
                "指数基金只是跟踪某个市场指数（比如一个宽基股票指数），而不是挑选个股。它通常费用低，还能把你的钱分散到很多公司。",
                "ऐसा फ़ंड जो अलग-अलग शेयर चुनने के बजाय किसी बाज़ार सूचकांक, जैसे किसी व्यापक शेयर इंडेक्स, को बस "
                "फ़ॉलो करता "
                "है। इसकी फ़ीस आम तौर पर कम होती है और आपका पैसा कई कंपनियों में बँट जाता है।",
                "Ein Fonds, der einfach einen Marktindex, etwa einen breiten Aktienindex, nachbildet, statt einzelne "
                "Aktien auszuwählen. Er hat meist niedrige Gebühren und verteilt dein Geld auf viele Unternehmen.",
            ),
        ),
        (
            (
                "Should I pay off debt or save first?",
                "我应该先还债还是先存钱？",
                "पहले कर्ज़ चुकाना चाहिए या बचत करनी चाहिए?",
                "Sollte ich zuerst Schulden abbezahlen oder sparen?",
            ),
            (
                "Usually, build a small emergency cushion first, then pay off high-interest debt such as credit "
                "cards as fast as you can, because that interest is typically higher than what savings earn. After "
                "that, save and invest regularly.",
                "通常先存一小笔应急钱，然后尽快还清信用卡等高息债务，因为这些利息一般高于存款收益。之后再定期储蓄和投资。",
                "आम तौर पर पहले थोड़ी इमरजेंसी बचत बनाइए, फिर क्रेडिट कार्ड जैसे ऊँचे ब्याज वाले कर्ज़ जितनी जल्दी हो "
                "सके चुकाइए, "
                "क्योंकि उनका ब्याज बचत पर मिलने वाले ब्याज से आम तौर पर ज़्यादा होता है। उसके बाद नियमित बचत और "
                "निवेश कीजिए।",
                "Meist legt man zuerst ein kleines Notpolster an und tilgt dann so schnell wie möglich teure "
                "Schulden wie Kreditkartenschulden, weil deren Zinsen in der Regel höher sind als das, was "
                "Ersparnisse bringen. Danach regelmäßig sparen und anlegen.",
            ),
        ),
        (
            ("What is a credit score?", "信用评分是什么？", "क्रेडिट स्कोर क्या होता है?", "Was ist ein Kredit-Score?"),
            (
                "A number lenders use to judge how likely you are to repay borrowed money. Paying bills on time, "
                "keeping card balances low and not opening many new accounts at once all help it.",
                "这是贷款方用来判断你按时还钱可能性的分数。按时付账单、保持较低的信用卡欠款、不要一次开很多新账户，都有助于提高评分。",
                "यह एक संख्या है जिससे कर्ज़ देने वाले अंदाज़ा लगाते हैं कि आप उधार चुकाएँगे या नहीं। बिल समय पर "
                "भरना, कार्ड का "
                "बकाया कम रखना और एक साथ कई नए खाते न खोलना इसे बेहतर बनाता है।",
                "Eine Zahl, mit der Kreditgeber einschätzen, wie wahrscheinlich du geliehenes Geld zurückzahlst. "
                "Rechnungen pünktlich zahlen, Kartensalden niedrig halten und nicht viele neue Konten auf einmal "
                "eröffnen helfen dabei.",
            ),
        ),
        (
            (
                "How can I save money on groceries?",
                "买菜怎么省钱？",
                "किराने के सामान पर पैसे कैसे बचाएँ?",
                "Wie kann ich beim Lebensmitteleinkauf Geld sparen?",
            ),
            (
                "Plan meals for the week, shop with a list, compare unit prices, buy seasonal produce and store "
                "brands, and cook larger batches so you can use the leftovers.",
                "提前规划一周的饭菜，按清单购物，比较单价，买应季蔬果和超市自有品牌，一次多做一些，把剩菜利用起来。",
                "हफ़्ते भर के खाने की योजना बनाइए, सूची लेकर ख़रीदारी कीजिए, प्रति यूनिट दाम की तुलना कीजिए, मौसमी "
                "सब्ज़ियाँ और "
                "स्टोर ब्रांड लीजिए, और बचे हुए खाने के इस्तेमाल के लिए एक बार में ज़्यादा पकाइए।",
                "Plane die Mahlzeiten für die Woche, kauf mit Einkaufszettel ein, vergleiche Grundpreise, greif zu "
                "saisonalem Obst und Gemüse und zu Eigenmarken, und koch größere Mengen, um Reste zu nutzen.",
            ),
        ),
    ),
)

HEALTH = _qa_topic(
    "health",
    ("health", "健康", "सेहत", "Gesundheit"),
    (
        (
            (
                "How much water should I drink a day?",
                "我每天应该喝多少水？",
                "मुझे रोज़ कितना पानी पीना चाहिए?",
                "Wie viel Wasser sollte ich am Tag trinken?",
            ),
            (
                "Needs vary with body size, activity and climate, but many adults do well with roughly 1.5 to 2 "
                "litres of fluids a day. Pale yellow urine is a good sign you're drinking enough.",
                "需求因体型、活动量和气候而异，但很多成年人每天喝大约1.5到2升液体就比较合适。尿液呈淡黄色，通常说明喝得够了。",
                "ज़रूरत शरीर, गतिविधि और मौसम के हिसाब से बदलती है, पर कई वयस्कों के लिए रोज़ लगभग 1.5 से 2 लीटर तरल "
                "काफ़ी होता "
                "है। हल्का पीला पेशाब इस बात का अच्छा संकेत है कि आप पर्याप्त पानी पी रहे हैं।",
                "Der Bedarf hängt von Körpergröße, Aktivität und Klima ab, aber viele Erwachsene kommen mit etwa 1,5 "
                "bis 2 Litern Flüssigkeit pro Tag gut aus. Hellgelber Urin ist ein gutes Zeichen, dass du genug "
                "trinkst.",
            ),
        ),
        (
            ("How can I sleep better?", "我怎样才能睡得更好？", "बेहतर नींद के लिए क्या करें?", "Wie kann ich besser schlafen?"),
            (
                "Keep a regular sleep schedule, make your bedroom dark, quiet and cool, avoid caffeine in the "
                "afternoon, and put screens away about an hour before bed. If problems last for weeks, talk to a "
                "doctor.",
                "保持规律的作息，让卧室黑暗、安静、凉爽，下午以后别喝含咖啡因的饮料，睡前一小时左右放下手机等屏幕。如果问题持续几周，请咨询医生。",
                "सोने-जागने का समय तय रखिए, कमरे को अँधेरा, शांत और ठंडा रखिए, दोपहर के बाद कैफ़ीन से बचिए और सोने से "
                "लगभग एक "
                "घंटा पहले स्क्रीन दूर रख दीजिए। अगर दिक़्क़त हफ़्तों तक बनी रहे, तो डॉक्टर से बात कीजिए।",
                "Halte feste Schlafenszeiten ein, sorge für ein dunkles, ruhiges und kühles Schlafzimmer, verzichte "
                "nachmittags auf Koffein und leg Bildschirme etwa eine Stunde vor dem Schlafen weg. Halten die "
                "Probleme wochenlang an, sprich mit einer Ärztin oder einem Arzt.",
            ),
        ),
        (
            (
                "How much exercise do adults need?",
                "成年人需要多少运动量？",
                "वयस्कों को कितनी कसरत की ज़रूरत होती है?",
                "Wie viel Bewegung brauchen Erwachsene?",
            ),
            (
                "The WHO recommends at least 150 to 300 minutes of moderate activity a week, such as brisk walking, "
                "plus muscle-strengthening exercises on two or more days.",
                "世界卫生组织建议每周至少进行150到300分钟的中等强度活动（比如快走），另外每周至少两天做增强肌肉的练习。",
                "विश्व स्वास्थ्य संगठन हर हफ़्ते कम से कम 150 से 300 मिनट की मध्यम गतिविधि, जैसे तेज़ चलना, और हफ़्ते "
                "में दो या "
                "ज़्यादा दिन मांसपेशियाँ मज़बूत करने वाले व्यायाम की सलाह देता है।",
                "Die WHO empfiehlt mindestens 150 bis 300 Minuten moderate Bewegung pro Woche, etwa zügiges Gehen, "
                "dazu an zwei oder mehr Tagen Übungen zur Muskelkräftigung.",
            ),
        ),
        (
            (
                "What should I do for a common cold?",
                "普通感冒该怎么办？",
                "आम ज़ुकाम में क्या करना चाहिए?",
                "Was hilft bei einer normalen Erkältung?",
            ),
            (
                "Rest, drink plenty of fluids and try warm drinks or honey for a sore throat; colds usually clear up "
                "within a week to ten days. See a doctor if you have a high fever, trouble breathing or symptoms "
                "that get worse.",
                "多休息、多喝水，喉咙痛可以喝点热饮或蜂蜜；感冒一般一周到十天就会好。如果发高烧、呼吸困难或症状加重，请去看医生。",
                "आराम कीजिए, ख़ूब तरल पीजिए और गले की ख़राश के लिए गर्म पेय या शहद लीजिए; ज़ुकाम आम तौर पर एक हफ़्ते "
                "से दस दिन "
                "में ठीक हो जाता है। तेज़ बुख़ार, साँस लेने में दिक़्क़त या लक्षण बिगड़ने पर डॉक्टर को दिखाइए।",
                "Ruh dich aus, trink viel und probier warme Getränke oder Honig gegen Halsschmerzen; eine Erkältung "
                "klingt meist nach einer Woche bis zehn Tagen ab. Bei hohem Fieber, Atemnot oder sich "
                "verschlimmernden Beschwerden geh zum Arzt.",
            ),
        ),
        (
            (
                "Is it bad to sit all day at work?",
                "整天坐着上班对身体不好吗？",
                "क्या दफ़्तर में दिन भर बैठे रहना नुक़सानदेह है?",
                "Ist es schlecht, den ganzen Tag bei der Arbeit zu sitzen?",
            ),
            (
                "Long uninterrupted sitting is linked to back pain and poorer health. Stand up and move for a few "
                "minutes every 30 to 60 minutes, set your screen at eye level, and fit in a walk during breaks.",
                "长时间不间断地坐着与背痛和健康状况变差有关。每隔30到60分钟站起来活动几分钟，把屏幕调到与视线平齐，休息时出去走走。",
                "लगातार लंबे समय तक बैठने से पीठ दर्द और सेहत ख़राब होने का ख़तरा बढ़ता है। हर 30 से 60 मिनट पर कुछ "
                "मिनट खड़े "
                "होकर चलिए-फिरिए, स्क्रीन को आँखों की ऊँचाई पर रखिए और ब्रेक में थोड़ा टहल लीजिए।",
                "Langes Sitzen ohne Pause hängt mit Rückenschmerzen und schlechterer Gesundheit zusammen. Steh alle "
                "30 bis 60 Minuten für ein paar Minuten auf, stell den Bildschirm auf Augenhöhe und geh in den Pausen "
                "ein Stück.",
            ),
        ),
        (
            (
                "How can I eat more vegetables?",
                "怎样才能多吃蔬菜？",
                "ज़्यादा सब्ज़ियाँ कैसे खाएँ?",
                "Wie kann ich mehr Gemüse essen?",
            ),
            (
                "Add a handful to things you already eat (omelettes, pasta sauce, soups), keep washed and cut "
                "vegetables in sight in the fridge, and aim to fill half your plate with vegetables at main meals.",
                "在你平常吃的东西里加一把蔬菜（比如煎蛋卷、意面酱、汤），把洗好切好的蔬菜放在冰箱里显眼的地方，正餐时尽量让蔬菜占盘子的一半。",
                "जो चीज़ें आप पहले से खाते हैं (ऑमलेट, पास्ता सॉस, सूप), उनमें मुट्ठी भर सब्ज़ियाँ मिला दीजिए, "
                "धुली-कटी सब्ज़ियाँ "
                "फ़्रिज में सामने रखिए, और मुख्य भोजन में आधी थाली सब्ज़ियों से भरने की कोशिश कीजिए।",
                "Gib eine Handvoll Gemüse in Gerichte, die du ohnehin isst (Omelett, Nudelsoße, Suppe), leg "
                "gewaschenes und geschnittenes Gemüse gut sichtbar in den Kühlschrank und versuch, bei "
                "Hauptmahlzeiten den halben Teller mit Gemüse zu füllen.",
            ),
        ),
        (
            (
                "Why do I get headaches in the afternoon?",
                "我为什么下午总是头疼？",
                "मुझे दोपहर में सिरदर्द क्यों होता है?",
                "Warum bekomme ich nachmittags Kopfschmerzen?",
            ),
            (
                "Common everyday causes are not drinking enough, skipping lunch, long screen time, poor posture and "
                "too little sleep. Try regular water and meals and short screen breaks; if headaches are frequent "
                "or severe, see a doctor.",
                "常见的日常原因有喝水太少、不吃午饭、长时间看屏幕、姿势不好和睡眠不足。试着按时喝水吃饭、看屏幕时定时休息；如果头痛频繁或很严重，请去看医生。",
                "आम वजहें हैं कम पानी पीना, दोपहर का खाना छोड़ना, देर तक स्क्रीन देखना, ग़लत मुद्रा में बैठना और कम "
                "नींद। नियमित "
                "पानी और खाना लीजिए और स्क्रीन से छोटे-छोटे ब्रेक लीजिए; अगर सिरदर्द बार-बार या बहुत तेज़ हो, तो "
                "डॉक्टर को दिखाइए।",
                "Häufige Alltagsursachen sind zu wenig trinken, ausgelassenes Mittagessen, lange Bildschirmzeit, "
                "schlechte Haltung und zu wenig Schlaf. Trink und iss regelmäßig und mach kurze Bildschirmpausen; "
                "sind die Kopfschmerzen häufig oder stark, geh zum Arzt.",
            ),
        ),
        (
            (
                "How do I protect my skin from the sun?",
                "怎样保护皮肤不被晒伤？",
                "धूप से त्वचा को कैसे बचाएँ?",
                "Wie schütze ich meine Haut vor der Sonne?",
            ),
            (
                "Use a broad-spectrum sunscreen of SPF 30 or higher and reapply it every two hours, wear a hat and "
                "sunglasses, and stay in the shade around midday when the sun is strongest.",
                "使用SPF 30或以上的广谱防晒霜，每两小时补涂一次，戴帽子和太阳镜，中午阳光最强时待在阴凉处。",
                "SPF 30 या उससे ज़्यादा वाला ब्रॉड-स्पेक्ट्रम सनस्क्रीन लगाइए और हर दो घंटे में दोबारा लगाइए, टोपी और "
                "धूप का "
                "चश्मा पहनिए, और दोपहर के आसपास जब धूप सबसे तेज़ हो, छाँव में रहिए।",
                "Verwende einen Breitband-Sonnenschutz mit LSF 30 oder mehr und trag ihn alle zwei Stunden neu auf, "
                "setz einen Hut und eine Sonnenbrille auf und bleib mittags, wenn die Sonne am stärksten ist, im "
                "Schatten.",
            ),
        ),
        (
            (
                "How can I manage stress before exams?",
                "考试前怎么缓解压力？",
                "परीक्षा से पहले तनाव कैसे संभालें?",
                "Wie gehe ich mit Prüfungsstress um?",
            ),
            (
                "Break revision into short sessions with breaks, sleep enough, move a little every day, and try slow "
                "breathing (in for four seconds, out for six) when you feel tense. Talking to friends or a "
                "counsellor helps too.",
                "把复习分成一段一段的，中间休息；保证睡眠，每天适当活动；紧张时试试慢呼吸（吸气四秒，呼气六秒）。和朋友或心理咨询师聊聊也有帮助。",
                "पढ़ाई को छोटे-छोटे सत्रों में बाँटिए और बीच में ब्रेक लीजिए, पूरी नींद लीजिए, रोज़ थोड़ा चलिए-फिरिए, "
                "और घबराहट "
                "होने पर धीमी साँस लीजिए (चार सेकंड साँस अंदर, छह सेकंड बाहर)। दोस्तों या काउंसलर से बात करना भी मदद "
                "करता है।",
                "Teile den Lernstoff in kurze Einheiten mit Pausen, schlaf genug, beweg dich jeden Tag ein bisschen "
                "und atme bei Anspannung langsam (vier Sekunden ein, sechs aus). Auch Gespräche mit Freunden oder "
                "einer Beratungsstelle helfen.",
            ),
        ),
    ),
)

CODING = _qa_topic(
    "coding",
    ("programming", "编程", "प्रोग्रामिंग", "Programmierung"),
    (
        (
            (
                "How do I reverse a string in Python?",
                "在Python里怎么反转字符串？",
                "Python में स्ट्रिंग को उल्टा कैसे करें?",
                "Wie drehe ich in Python einen String um?",
            ),
            (
                "Use slicing: `s[::-1]` returns the string reversed, so `'hello'[::-1]` gives `'olleh'`.",
                "用切片：`s[::-1]` 会返回反转后的字符串，所以 `'hello'[::-1]` 的结果是 `'olleh'`。",
                "स्लाइसिंग इस्तेमाल कीजिए: `s[::-1]` उल्टी स्ट्रिंग देता है, यानी `'hello'[::-1]` से `'olleh'` मिलता "
                "है।",
                "Mit Slicing: `s[::-1]` liefert den umgedrehten String, `'hello'[::-1]` ergibt also `'olleh'`.",
            ),
        ),
        (
            (
                "What is the difference between a list and a tuple in Python?",
                "Python里列表和元组有什么区别？",
                "Python में list और tuple में क्या अंतर है?",
                "Was ist der Unterschied zwischen einer Liste und einem Tupel in Python?",
            ),
            (
                "Lists are mutable (you can add, remove or change items) and use square brackets; tuples are "
                "immutable and use parentheses. Use a tuple for a fixed group of values, such as coordinates.",
                "列表是可变的（可以增删改元素），用方括号；元组不可变，用圆括号。固定的一组值（比如坐标）适合用元组。",
                "list बदली जा सकती है (आइटम जोड़, हटा या बदल सकते हैं) और इसमें चौकोर कोष्ठक लगते हैं; tuple बदली "
                "नहीं जा "
                "सकती और इसमें गोल कोष्ठक लगते हैं। निर्देशांक जैसे तय मानों के समूह के लिए tuple इस्तेमाल कीजिए।",
                "Listen sind veränderbar (Elemente hinzufügen, entfernen, ändern) und stehen in eckigen Klammern; "
                "Tupel sind unveränderlich und stehen in runden Klammern. Für feste Wertegruppen wie Koordinaten "
                "nimmt man Tupel.",
            ),
        ),
        (
            ("What does git commit do?", "git commit 是做什么的？", "git commit क्या करता है?", "Was macht git commit?"),
            (
                "It saves a snapshot of the changes you staged with `git add` into your local repository history, "
                "with a message describing them, e.g. `git commit -m 'Fix typo'`.",
                "它把你用 `git add` 暂存的改动作为一个快照保存到本地仓库历史里，并附上说明信息，例如 `git commit -m 'Fix typo'`。",
                "यह `git add` से स्टेज किए गए बदलावों का एक स्नैपशॉट, एक विवरण संदेश के साथ, आपकी लोकल रिपॉज़िटरी के "
                "इतिहास "
                "में सेव करता है, जैसे `git commit -m 'Fix typo'`।",
                "Es speichert einen Schnappschuss der mit `git add` vorgemerkten Änderungen samt Beschreibung in der "
                "lokalen Versionsgeschichte, z. B. `git commit -m 'Fix typo'`.",
            ),
        ),
        (
            (
                "How do I read a file line by line in Python?",
                "在Python里怎么逐行读取文件？",
                "Python में फ़ाइल को लाइन-दर-लाइन कैसे पढ़ें?",
                "Wie lese ich in Python eine Datei Zeile für Zeile?",
            ),
            (
                "Open it in a `with` block and loop over the file object: `with open('data.txt', "
                "encoding='utf-8') as f:` followed by `for line in f: print(line.rstrip())`.",
                "用 `with` 打开文件，然后遍历文件对象：`with open('data.txt', encoding='utf-8') as f:`，接着 "
                "`for line in f: print(line.rstrip())`。",
                "फ़ाइल को `with` ब्लॉक में खोलिए और फ़ाइल ऑब्जेक्ट पर लूप चलाइए: `with open('data.txt', "
                "encoding='utf-8') as f:` और फिर `for line in f: print(line.rstrip())`।",
                "Öffne sie in einem `with`-Block und iteriere über das Dateiobjekt: `with open('data.txt', "
                "encoding='utf-8') as f:` und dann `for line in f: print(line.rstrip())`.",
            ),
        ),
        (
            ("What is a for loop?", "for循环是什么？", "for लूप क्या होता है?", "Was ist eine for-Schleife?"),
            (
                "A for loop repeats a block of code once for each item in a sequence. In Python, "
                "`for n in range(3): print(n)` prints 0, 1 and 2.",
                "for循环会对序列中的每个元素各执行一次代码块。在Python中，`for n in range(3): print(n)` 会依次打印0、1、2。",
                "for लूप किसी क्रम के हर आइटम के लिए कोड का एक हिस्सा एक-एक बार दोहराता है। Python में "
                "`for n in range(3): print(n)` से 0, 1 और 2 छपते हैं।",
                "Eine for-Schleife führt einen Codeblock für jedes Element einer Folge einmal aus. In Python gibt "
                "`for n in range(3): print(n)` die Zahlen 0, 1 und 2 aus.",
            ),
        ),
        (
            (
                "Why does my JavaScript say 'undefined is not a function'?",
                "我的JavaScript为什么报错 'undefined is not a function'？",
                "मेरी JavaScript में 'undefined is not a function' एरर क्यों आता है?",
                "Warum meldet mein JavaScript 'undefined is not a function'?",
            ),
            (
                "You're calling something as a function that doesn't exist at that point, often a misspelled method "
                "name or an object that hasn't loaded yet. Check the spelling and log the value just before the call.",
                "你在把一个当时并不存在的东西当作函数调用，常见原因是方法名拼错了，或者对象还没加载好。检查拼写，并在调用前把这个值打印出来看看。",
                "आप किसी ऐसी चीज़ को फ़ंक्शन की तरह बुला रहे हैं जो उस समय मौजूद नहीं है, अक्सर ग़लत वर्तनी वाला मेथड "
                "नाम या "
                "ऐसा ऑब्जेक्ट जो अभी लोड नहीं हुआ। वर्तनी जाँचिए और कॉल से ठीक पहले उस मान को लॉग कीजिए।",
                "Du rufst etwas als Funktion auf, das an dieser Stelle nicht existiert, oft ein falsch geschriebener "
                "Methodenname oder ein Objekt, das noch nicht geladen ist. Prüf die Schreibweise und gib den Wert "
                "direkt vor dem Aufruf aus.",
            ),
        ),
        (
            (
                "How do I sort a list of numbers in Python?",
                "Python里怎么给数字列表排序？",
                "Python में नंबरों की list को sort कैसे करें?",
                "Wie sortiere ich in Python eine Liste von Zahlen?",
            ),
            (
                "Use `sorted(numbers)` to get a new sorted list, or `numbers.sort()` to sort in place; add "
                "`reverse=True` for descending order.",
                "用 `sorted(numbers)` 得到一个新的排好序的列表，或用 `numbers.sort()` 原地排序；加上 `reverse=True` 可以降序排列。",
                "नई sorted list पाने के लिए `sorted(numbers)` या उसी list को sort करने के लिए `numbers.sort()` "
                "इस्तेमाल कीजिए; "
                "उल्टे क्रम के लिए `reverse=True` जोड़िए।",
                "Mit `sorted(numbers)` bekommst du eine neue sortierte Liste, mit `numbers.sort()` sortierst du an Ort "
                "und Stelle; `reverse=True` sortiert absteigend.",
            ),
        ),
        (
            ("What is an API?", "API是什么？", "API क्या होता है?", "Was ist eine API?"),
            (
                "An API (application programming interface) is a defined way for programs to talk to each other, for "
                "example a weather service that returns forecasts when your app sends a request to a certain URL.",
                "API（应用程序编程接口）是程序之间相互通信的约定方式，比如你的应用向某个网址发送请求，天气服务就返回天气预报。",
                "API (एप्लिकेशन प्रोग्रामिंग इंटरफ़ेस) प्रोग्रामों के आपस में बात करने का एक तय तरीक़ा है, जैसे आपका "
                "ऐप किसी ख़ास "
                "URL पर अनुरोध भेजे तो मौसम सेवा पूर्वानुमान लौटा दे।",
                "Eine API (Programmierschnittstelle) ist ein festgelegter Weg, wie Programme miteinander sprechen, zum "
                "Beispiel ein Wetterdienst, der Vorhersagen zurückgibt, wenn deine App eine Anfrage an eine bestimmte "
                "URL schickt.",
            ),
        ),
        (
            (
                "How do I center a div in CSS?",
                "CSS里怎么让一个div居中？",
                "CSS में div को बीच में कैसे करें?",
                "Wie zentriere ich ein div mit CSS?",
            ),
            (
                "On the parent, use flexbox: `display: flex; justify-content: center; align-items: center;`. That "
                "centres the child both horizontally and vertically.",
                "在父元素上使用flexbox：`display: flex; justify-content: center; align-items: center;`，这样子元素就能水平和垂直都居中。",
                "पैरेंट एलिमेंट पर flexbox लगाइए: `display: flex; justify-content: center; align-items: center;`। इससे "
                "चाइल्ड एलिमेंट आड़ा और खड़ा दोनों तरह से बीच में आ जाता है।",
                "Nutze Flexbox am Elternelement: `display: flex; justify-content: center; align-items: center;`. "
                "Damit wird das Kind horizontal und vertikal zentriert.",
            ),
        ),
    ),
)

HOME_GARDEN = _qa_topic(
    "home_and_garden",
    ("home and garden", "家居园艺", "घर और बग़ीचे", "Haus und Garten"),
    (
        (
            (
                "How often should I water tomato plants?",
                "番茄苗应该多久浇一次水？",
                "टमाटर के पौधों को कितनी बार पानी देना चाहिए?",
                "Wie oft sollte ich Tomatenpflanzen gießen?",
            ),
            (
                "Water deeply about two or three times a week, more in hot weather, aiming at the soil rather than "
                "the leaves. The soil should stay evenly moist but not soggy.",
                "每周浇透两三次，天热时多浇，浇在土上而不是叶子上。土壤要保持均匀湿润，但不能积水。",
                "हफ़्ते में लगभग दो-तीन बार गहराई से पानी दीजिए, गर्मी में ज़्यादा, और पत्तों पर नहीं बल्कि मिट्टी "
                "में डालिए। "
                "मिट्टी एक-सी नम रहे, पर कीचड़ न बने।",
                "Etwa zwei- bis dreimal pro Woche durchdringend gießen, bei Hitze öfter, und zwar auf die Erde statt "
                "auf die Blätter. Die Erde sollte gleichmäßig feucht, aber nicht nass sein.",
            ),
        ),
        (
            (
                "How do I get rid of mould on a bathroom ceiling?",
                "浴室天花板发霉怎么处理？",
                "बाथरूम की छत से फफूँद कैसे हटाएँ?",
                "Wie werde ich Schimmel an der Badezimmerdecke los?",
            ),
            (
                "For small patches, wear gloves, wipe with a mould cleaner or diluted vinegar, and let it dry. Then "
                "reduce moisture: ventilate after showers and keep the room warm. Large areas need a professional.",
                "面积小的话，戴上手套，用除霉剂或稀释的白醋擦拭，然后晾干。之后要减少潮气：洗澡后通风，保持房间温暖。大面积发霉需要请专业人员处理。",
                "छोटे धब्बों के लिए दस्ताने पहनिए, फफूँद हटाने वाले क्लीनर या पतले सिरके से पोंछिए और सूखने दीजिए। "
                "फिर नमी "
                "घटाइए: नहाने के बाद हवा आने-जाने दीजिए और कमरा गर्म रखिए। बड़े हिस्से के लिए किसी पेशेवर को बुलाइए।",
                "Bei kleinen Stellen Handschuhe anziehen, mit Schimmelentferner oder verdünntem Essig abwischen und "
                "trocknen lassen. Danach Feuchtigkeit reduzieren: nach dem Duschen lüften und den Raum warm halten. "
                "Große Flächen gehören in Fachhände.",
            ),
        ),
        (
            (
                "How can I lower my heating bill?",
                "怎样降低取暖费？",
                "हीटिंग का बिल कैसे कम करें?",
                "Wie kann ich meine Heizkosten senken?",
            ),
            (
                "Seal draughts around windows and doors, lower the thermostat by a degree or two, heat only the rooms "
                "you use, close the curtains at night and have the boiler serviced regularly.",
                "封好门窗周围的漏风处，把温控器调低一两度，只给用到的房间供暖，晚上拉上窗帘，并定期保养锅炉。",
                "खिड़कियों और दरवाज़ों के आसपास की दरारें बंद कीजिए, थर्मोस्टेट एक-दो डिग्री कम कीजिए, सिर्फ़ "
                "इस्तेमाल होने वाले "
                "कमरे गर्म कीजिए, रात को पर्दे बंद रखिए और बॉयलर की नियमित सर्विस करवाइए।",
                "Dichte zugige Stellen an Fenstern und Türen ab, dreh das Thermostat ein, zwei Grad herunter, heize "
                "nur genutzte Räume, zieh nachts die Vorhänge zu und lass die Heizung regelmäßig warten.",
            ),
        ),
        (
            (
                "How do I remove a red wine stain from a carpet?",
                "地毯上的红酒渍怎么去除？",
                "कालीन से रेड वाइन का दाग़ कैसे हटाएँ?",
                "Wie bekomme ich einen Rotweinfleck aus dem Teppich?",
            ),
            (
                "Blot (don't rub) as much as you can with a clean cloth, then dab with cold water and a little dish "
                "soap, or sprinkle salt or baking soda to draw it out. Rinse and blot dry.",
                "先用干净的布尽量吸干（不要搓），再用冷水加少量洗洁精轻按，或者撒些盐或小苏打把污渍吸出来。最后用清水冲洗并吸干。",
                "साफ़ कपड़े से जितना हो सके दबाकर सोखिए (रगड़िए नहीं), फिर ठंडे पानी और थोड़े बर्तन धोने वाले साबुन से "
                "थपथपाइए, या दाग़ खींचने के लिए नमक या बेकिंग सोडा छिड़किए। आख़िर में धोकर सुखा लीजिए।",
                "So viel wie möglich mit einem sauberen Tuch abtupfen (nicht reiben), dann mit kaltem Wasser und etwas "
                "Spülmittel betupfen oder Salz bzw. Natron aufstreuen, das den Fleck herauszieht. Danach ausspülen "
                "und trocken tupfen.",
            ),
        ),
        (
            (
                "Which houseplants are easy for beginners?",
                "哪些室内植物适合新手？",
                "शुरुआत करने वालों के लिए कौन-से घरेलू पौधे आसान हैं?",
                "Welche Zimmerpflanzen sind für Anfänger geeignet?",
            ),
            (
                "Pothos, snake plants, ZZ plants and spider plants are very forgiving: they tolerate low light and "
                "irregular watering. Let the soil dry out a little between waterings.",
                "绿萝、虎尾兰、金钱树和吊兰都很好养：耐阴，偶尔忘记浇水也没关系。两次浇水之间让土稍微干一干。",
                "मनी प्लांट, स्नेक प्लांट, ZZ प्लांट और स्पाइडर प्लांट बहुत सहनशील हैं: ये कम रोशनी और अनियमित पानी "
                "झेल लेते "
                "हैं। दो बार पानी देने के बीच मिट्टी को थोड़ा सूखने दीजिए।",
                "Efeutute, Bogenhanf, Zamioculcas und Grünlilie sind sehr pflegeleicht: Sie vertragen wenig Licht und "
                "unregelmäßiges Gießen. Lass die Erde zwischen dem Gießen etwas antrocknen.",
            ),
        ),
        (
            (
                "How do I unclog a kitchen sink without chemicals?",
                "不用化学品怎么疏通厨房水槽？",
                "बिना केमिकल के रसोई का जाम सिंक कैसे खोलें?",
                "Wie mache ich einen verstopften Küchenabfluss ohne Chemie frei?",
            ),
            (
                "Try a plunger first. If that fails, pour in half a cup of baking soda followed by a cup of vinegar, "
                "wait 15 minutes and flush with hot water. You can also clean the U-shaped trap under the sink.",
                "先试试皮搋子。不行的话，倒入半杯小苏打，再倒一杯白醋，等15分钟后用热水冲。也可以把水槽下面的U形存水弯拆下来清理。",
                "पहले प्लंजर आज़माइए। काम न बने तो आधा कप बेकिंग सोडा और फिर एक कप सिरका डालिए, 15 मिनट रुकिए और गर्म "
                "पानी "
                "बहाइए। सिंक के नीचे का U-आकार का पाइप खोलकर भी साफ़ कर सकते हैं।",
                "Versuch es zuerst mit einer Saugglocke. Wenn das nicht reicht, gib eine halbe Tasse Natron und danach "
                "eine Tasse Essig hinein, warte 15 Minuten und spül mit heißem Wasser nach. Du kannst auch den Siphon "
                "unter dem Becken reinigen.",
            ),
        ),
        (
            (
                "When should I plant tulip bulbs?",
                "郁金香球根什么时候种？",
                "ट्यूलिप के कंद कब लगाने चाहिए?",
                "Wann pflanzt man Tulpenzwiebeln?",
            ),
            (
                "In autumn, a few weeks before the ground freezes, roughly when the soil cools below about 15 °C. "
                "Plant them pointy end up, about two to three times as deep as the bulb is tall.",
                "秋天，在土地结冻前几周，大约土温降到15°C以下时。尖头朝上，种植深度约为球根高度的两到三倍。",
                "पतझड़ में, ज़मीन जमने से कुछ हफ़्ते पहले, जब मिट्टी का तापमान लगभग 15 °C से नीचे आ जाए। नुकीला सिरा "
                "ऊपर रखकर "
                "कंद की ऊँचाई से दो-तीन गुना गहराई पर लगाइए।",
                "Im Herbst, einige Wochen bevor der Boden friert, etwa wenn die Bodentemperatur unter rund 15 °C "
                "fällt. Mit der Spitze nach oben etwa zwei- bis dreimal so tief setzen, wie die Zwiebel hoch ist.",
            ),
        ),
        (
            (
                "How can I keep my fridge from smelling?",
                "怎样让冰箱不发臭？",
                "फ़्रिज में बदबू आने से कैसे रोकें?",
                "Wie verhindere ich, dass mein Kühlschrank riecht?",
            ),
            (
                "Throw out old food weekly, wipe up spills right away, store leftovers in closed containers, and put "
                "an open box of baking soda on a shelf to absorb odours.",
                "每周清理过期食物，洒出来的东西马上擦掉，剩菜用密封盒装好，再在架子上放一盒打开的小苏打吸附异味。",
                "हर हफ़्ते पुराना खाना निकाल दीजिए, गिरी चीज़ें तुरंत पोंछिए, बचा खाना बंद डिब्बों में रखिए, और बदबू "
                "सोखने के "
                "लिए बेकिंग सोडा का खुला डिब्बा किसी शेल्फ़ पर रख दीजिए।",
                "Wirf jede Woche alte Lebensmittel weg, wisch Verschüttetes sofort auf, bewahre Reste in geschlossenen "
                "Dosen auf und stell eine offene Packung Natron ins Fach, die Gerüche bindet.",
            ),
        ),
        (
            (
                "How do I start composting at home?",
                "在家怎么开始堆肥？",
                "घर पर खाद बनाना कैसे शुरू करें?",
                "Wie fange ich zu Hause mit dem Kompostieren an?",
            ),
            (
                "Use a bin with a lid, mix 'green' kitchen scraps (vegetable peels, coffee grounds) with 'brown' "
                "material (dry leaves, cardboard), keep it as damp as a wrung-out sponge and turn it every week or "
                "two. Leave out meat and dairy.",
                "准备一个带盖的桶，把厨余“绿色”材料（菜皮、咖啡渣）和“棕色”材料（枯叶、纸板）混在一起，保持像拧干的海绵那样的湿度，每一两周翻一次。不要放肉和奶制品。",
                "ढक्कन वाला डिब्बा लीजिए, रसोई का ‘हरा’ कचरा (सब्ज़ियों के छिलके, कॉफ़ी का चूरा) और ‘भूरा’ सामान "
                "(सूखी पत्तियाँ, "
                "गत्ता) मिलाइए, इसे निचोड़े हुए स्पंज जितना नम रखिए और हर एक-दो हफ़्ते में पलटिए। मांस और दूध से बनी "
                "चीज़ें मत डालिए।",
                "Nimm einen Behälter mit Deckel, misch „grüne“ Küchenabfälle (Gemüseschalen, Kaffeesatz) mit „braunem“ "
                "Material (trockenes Laub, Pappe), halte alles so feucht wie einen ausgedrückten Schwamm und setz es "
                "alle ein bis zwei Wochen um. Kein Fleisch und keine Milchprodukte.",
            ),
        ),
    ),
)

COOKING = HarmlessTopic(
    name="cooking",
    label=("cooking", "烹饪", "खाना पकाने", "Kochen"),
    templates=(
        ("How do I make {x}?", "{x}怎么做？", "{x} कैसे बनाते हैं?", "Wie mache ich {x}?"),
        (
            "Can you give me a simple recipe for {x}?",
            "能给我一个简单的{x}做法吗？",
            "क्या आप {x} बनाने की आसान विधि बता सकते हैं?",
            "Kannst du mir ein einfaches Rezept für {x} geben?",
        ),
        (
            "Friends are coming over tonight and I'd like to make {x}. Any tips so it turns out well?",
            "今晚朋友要来家里，我想做{x}。有什么诀窍能让它做得好吃吗？",
            "आज रात दोस्त घर आ रहे हैं, और मेन्यू में {x} है। यह अच्छा बने, इसके लिए कोई टिप्स?",
            "Heute Abend kommen Freunde, und ich möchte {x} zubereiten. Hast du Tipps, damit es gut gelingt?",
        ),
        (
            "what ingredients do i need for {x}",
            "做{x}需要哪些材料",
            "{x} बनाने में कौन-कौन सी सामग्री लगती है",
            "welche Zutaten brauche ich für {x}",
        ),
        (
            "My grandmother used to make {x} every Sunday and I'd love to try it myself. How do I go about it?",
            "我奶奶以前每个星期天都做{x}，我很想自己试试。该怎么做呢？",
            "मेरी दादी हर रविवार {x} बनाती थीं, और अब इसे ख़ुद बनाकर देखने का मन है। कैसे शुरू करूँ?",
            "Meine Oma hat jeden Sonntag {x} gemacht, und ich würde das gern selbst versuchen. Wie gehe ich vor?",
        ),
    ),
    slots=(
        ("pancakes", "松饼", "पैनकेक", "Pfannkuchen"),
        ("vegetable soup", "蔬菜汤", "वेजिटेबल सूप", "eine Gemüsesuppe"),
        ("dal", "印度扁豆糊（达尔）", "दाल", "ein Linsen-Dal"),
        ("fried rice", "蛋炒饭", "फ़्राइड राइस", "gebratenen Reis"),
        ("an apple cake", "苹果蛋糕", "सेब का केक", "einen Apfelkuchen"),
        ("guacamole", "牛油果酱", "ग्वाकामोले", "eine Guacamole"),
        ("a tomato sauce for pasta", "番茄意面酱", "पास्ता के लिए टमाटर सॉस", "eine Tomatensoße für Nudeln"),
        ("masala chai", "印度香料奶茶", "मसाला चाय", "einen Masala Chai"),
        ("dumplings", "饺子", "डम्पलिंग (मोमो)", "Teigtaschen (Jiaozi)"),
        ("a potato salad", "土豆沙拉", "आलू का सलाद", "einen Kartoffelsalat"),
    ),
    answers=(
        (
            "Whisk 1 cup of flour, 1 egg, 1 cup of milk, a spoon of sugar, a pinch of salt and a teaspoon of baking "
            "powder into a smooth batter. Cook small ladlefuls in a lightly oiled pan over medium heat, flipping "
            "when bubbles appear.",
            "把1杯面粉、1个鸡蛋、1杯牛奶、1勺糖、少许盐和1茶匙泡打粉搅成顺滑的面糊。平底锅刷少许油，中火，每次舀一小勺，表面起泡时翻面。",
            "1 कप मैदा, 1 अंडा, 1 कप दूध, एक चम्मच चीनी, चुटकी भर नमक और एक छोटा चम्मच बेकिंग पाउडर फेंटकर चिकना घोल "
            "बनाइए। "
            "हल्का तेल लगे तवे पर मध्यम आँच पर छोटी करछी भर घोल डालिए और बुलबुले दिखने पर पलट दीजिए।",
            "Verrühre 1 Tasse Mehl, 1 Ei, 1 Tasse Milch, einen Löffel Zucker, eine Prise Salz und einen Teelöffel "
            "Backpulver zu einem glatten Teig. Backe kleine Kellen davon in einer leicht geölten Pfanne bei "
            "mittlerer Hitze und wende sie, sobald sich Bläschen bilden.",
        ),
        (
            "Soften chopped onion, carrot and celery in a little oil, add any other vegetables and cover with stock. "
            "Simmer for about 20 minutes until tender, then season with salt, pepper and herbs; blend it if you like "
            "it smooth.",
            "先用少许油把切好的洋葱、胡萝卜和芹菜炒软，加入其他蔬菜，倒入高汤没过食材。小火煮约20分钟到变软，再用盐、胡椒和香草调味；喜欢细滑口感可以打成泥。",
            "थोड़े तेल में कटे प्याज़, गाजर और अजवाइन की डंडी को नरम कीजिए, बाकी सब्ज़ियाँ डालिए और स्टॉक से ढक "
            "दीजिए। लगभग 20 "
            "मिनट धीमी आँच पर पकाइए जब तक सब्ज़ियाँ नरम न हो जाएँ, फिर नमक, काली मिर्च और हर्ब्स डालिए; चाहें तो "
            "पीसकर गाढ़ा कर लीजिए।",
            "Dünste gehackte Zwiebel, Karotte und Sellerie in etwas Öl an, gib weiteres Gemüse dazu und gieß mit "
            "Brühe auf. Etwa 20 Minuten köcheln lassen, bis alles weich ist, dann mit Salz, Pfeffer und Kräutern "
            "abschmecken; wer es cremig mag, püriert die Suppe.",
        ),
        (
            "Rinse 1 cup of red lentils and simmer them in 3 cups of water with turmeric and salt until soft (about "
            "20 minutes). Separately fry cumin seeds, garlic, onion and tomato in oil or ghee, then stir this tadka "
            "into the lentils.",
            "把1杯红扁豆洗净，加3杯水、姜黄和盐小火煮软（约20分钟）。另起锅用油或酥油炒香孜然籽、大蒜、洋葱和番茄，然后把这份炝油（tadka）拌进扁豆里。",
            "1 कप मसूर दाल धोकर 3 कप पानी, हल्दी और नमक के साथ नरम होने तक (लगभग 20 मिनट) पकाइए। अलग से तेल या घी में "
            "जीरा, "
            "लहसुन, प्याज़ और टमाटर भूनिए और यह तड़का दाल में मिला दीजिए।",
            "Spül 1 Tasse rote Linsen ab und köchle sie mit 3 Tassen Wasser, Kurkuma und Salz weich (etwa 20 "
            "Minuten). Brate separat Kreuzkümmel, Knoblauch, Zwiebel und Tomate in Öl oder Ghee an und rühre dieses "
            "Tadka unter die Linsen.",
        ),
        (
            "Use cold, day-old rice. Scramble an egg in a hot wok, add chopped vegetables and the rice, stir-fry on "
            "high heat for a few minutes and season with soy sauce and spring onions.",
            "用隔夜的冷米饭。锅烧热后先炒散鸡蛋，再放入切好的蔬菜和米饭，大火翻炒几分钟，用酱油和葱花调味。",
            "एक दिन पुराने ठंडे चावल लीजिए। गर्म कड़ाही में अंडा फेंटकर भूनिए, कटी सब्ज़ियाँ और चावल डालिए, तेज़ आँच "
            "पर कुछ मिनट "
            "चलाते हुए भूनिए और सोया सॉस व हरे प्याज़ से स्वाद दीजिए।",
            "Nimm kalten Reis vom Vortag. Brate ein Ei im heißen Wok als Rührei, gib klein geschnittenes Gemüse und "
            "den Reis dazu, brate alles ein paar Minuten bei starker Hitze unter Rühren und würze mit Sojasoße und "
            "Frühlingszwiebeln.",
        ),
        (
            "Beat butter and sugar, mix in eggs, flour and baking powder, and fold in sliced apples with a little "
            "cinnamon. Bake in a greased tin at 180 °C for about 40 to 45 minutes, until a skewer comes out clean.",
            "把黄油和糖打发，拌入鸡蛋、面粉和泡打粉，再加入切片的苹果和少许肉桂。倒入抹油的模具，180°C烤40到45分钟，直到牙签插入后拔出是干净的。",
            "मक्खन और चीनी फेंटिए, अंडे, मैदा और बेकिंग पाउडर मिलाइए, फिर कटे सेब और थोड़ी दालचीनी धीरे से मिलाइए। "
            "चिकनाई लगे "
            "साँचे में 180 °C पर लगभग 40 से 45 मिनट बेक कीजिए, जब तक सींक साफ़ न निकले।",
            "Butter und Zucker schaumig schlagen, Eier, Mehl und Backpulver unterrühren und Apfelscheiben mit etwas "
            "Zimt unterheben. In einer gefetteten Form bei 180 °C etwa 40 bis 45 Minuten backen, bis an einem "
            "Holzstäbchen nichts mehr kleben bleibt.",
        ),
        (
            "Mash two ripe avocados with lime juice and salt, then stir in finely chopped onion, tomato, coriander "
            "and a little chilli. Serve straight away so it stays green.",
            "把两个熟透的牛油果压成泥，加青柠汁和盐，再拌入切碎的洋葱、番茄、香菜和少许辣椒。做好马上吃，颜色才会保持翠绿。",
            "दो पके एवोकाडो को नींबू के रस और नमक के साथ मसलिए, फिर बारीक कटा प्याज़, टमाटर, हरा धनिया और थोड़ी मिर्च "
            "मिलाइए। "
            "तुरंत परोसिए ताकि रंग हरा बना रहे।",
            "Zerdrücke zwei reife Avocados mit Limettensaft und Salz und rühre fein gehackte Zwiebel, Tomate, "
            "Koriander und etwas Chili unter. Sofort servieren, damit sie schön grün bleibt.",
        ),
        (
            "Gently fry garlic in olive oil, add a tin of chopped tomatoes, a pinch of salt and sugar, and simmer "
            "for 15 to 20 minutes. Finish with basil and a spoon of pasta water to make it glossy.",
            "用橄榄油小火炒香大蒜，加入一罐番茄丁、少许盐和糖，小火煮15到20分钟。最后放罗勒，再加一勺煮面水，让酱汁更有光泽。",
            "जैतून के तेल में लहसुन को हल्का भूनिए, कटे टमाटरों का एक डिब्बा, चुटकी भर नमक और चीनी डालिए और 15 से 20 "
            "मिनट "
            "धीमी आँच पर पकाइए। आख़िर में तुलसी (बेसिल) और एक चम्मच पास्ता का पानी डालिए ताकि सॉस चमकदार बने।",
            "Knoblauch in Olivenöl sanft anbraten, eine Dose gehackte Tomaten, eine Prise Salz und Zucker dazugeben "
            "und 15 bis 20 Minuten köcheln lassen. Zum Schluss Basilikum und einen Löffel Nudelwasser unterrühren, "
            "damit die Soße glänzt.",
        ),
        (
            "Simmer water with crushed ginger, cardamom, cloves and cinnamon for a few minutes, add black tea and "
            "then milk, bring it back to the boil, sweeten to taste and strain.",
            "把水和拍碎的姜、小豆蔻、丁香、肉桂一起小火煮几分钟，加入红茶，再倒入牛奶，重新煮开，按口味加糖后过滤。",
            "पानी में कुटा अदरक, इलायची, लौंग और दालचीनी डालकर कुछ मिनट उबालिए, चाय पत्ती और फिर दूध डालिए, दोबारा "
            "उबाल आने "
            "दीजिए, स्वाद के हिसाब से चीनी डालकर छान लीजिए।",
            "Wasser mit zerdrücktem Ingwer, Kardamom, Nelken und Zimt einige Minuten köcheln lassen, Schwarztee und "
            "dann Milch dazugeben, noch einmal aufkochen, nach Geschmack süßen und abseihen.",
        ),
        (
            "Mix a filling of minced meat or tofu with cabbage, ginger, spring onion and soy sauce. Put a spoonful "
            "in the centre of each wrapper, fold it and pinch the edges shut, then boil for about 5 minutes or "
            "pan-fry and steam until cooked through.",
            "用肉末或豆腐加白菜、姜、葱和酱油拌成馅。每张饺子皮中间放一勺馅，对折后捏紧边缘，然后水煮约5分钟，或者先煎后焖，直到完全熟透。",
            "क़ीमा या टोफ़ू में पत्ता गोभी, अदरक, हरा प्याज़ और सोया सॉस मिलाकर भरावन बनाइए। हर रैपर के बीच में एक "
            "चम्मच भरावन "
            "रखिए, मोड़कर किनारे दबाकर बंद कीजिए, फिर लगभग 5 मिनट उबालिए या हल्का तलकर भाप में पूरी तरह पकाइए।",
            "Misch eine Füllung aus Hackfleisch oder Tofu mit Kohl, Ingwer, Frühlingszwiebeln und Sojasoße. Gib "
            "einen Löffel davon in die Mitte jedes Teigblatts, falte es und drück die Ränder fest zu, dann etwa 5 "
            "Minuten kochen oder anbraten und dämpfen, bis sie durchgegart sind.",
        ),
        (
            "Boil waxy potatoes in their skins until just tender, peel and slice them while warm, and dress them "
            "with a mix of stock, vinegar, oil, mustard, chopped onion and chives. Let it rest for half an hour "
            "before serving.",
            "把蜡质土豆带皮煮到刚好变软，趁热去皮切片，再用高汤、醋、油、芥末、洋葱碎和香葱调成的汁拌匀。上桌前静置半小时。",
            "कम स्टार्च वाले आलू छिलके समेत तब तक उबालिए जब तक बस नरम हो जाएँ, गर्म रहते ही छीलकर टुकड़े कीजिए और "
            "स्टॉक, "
            "सिरका, तेल, सरसों, कटे प्याज़ और हरे प्याज़ के मिश्रण से मिलाइए। परोसने से पहले आधा घंटा रखा रहने दीजिए।",
            "Festkochende Kartoffeln in der Schale garen, bis sie gerade weich sind, noch warm pellen und in "
            "Scheiben schneiden und mit einer Marinade aus Brühe, Essig, Öl, Senf, gehackter Zwiebel und "
            "Schnittlauch anmachen. Vor dem Servieren eine halbe Stunde ziehen lassen.",
        ),
    ),
)

TRAVEL = HarmlessTopic(
    name="travel",
    label=("travel", "旅行", "यात्रा", "Reisen"),
    templates=(
        (
            "What should I see in {x}?",
            "去{x}应该看些什么？",
            "{x} में क्या-क्या देखना चाहिए?",
            "Was sollte ich mir in {x} unbedingt ansehen?",
        ),
        (
            "I'm planning a three-day trip to {x}. Any tips?",
            "我打算去{x}玩三天，有什么建议吗？",
            "{x} की तीन दिन की यात्रा की योजना है। कोई सुझाव?",
            "Ich plane einen dreitägigen Trip nach {x}. Hast du Tipps?",
        ),
        (
            "When is the best time of year to visit {x}?",
            "一年中什么时候去{x}最好？",
            "{x} घूमने का सबसे अच्छा समय कौन-सा है?",
            "Wann ist die beste Reisezeit für {x}?",
        ),
        (
            "first time in {x} next month, what do i need to know",
            "下个月第一次去{x}，我需要知道些什么",
            "अगले महीने पहली बार {x} जाना है, क्या-क्या जानना ज़रूरी है",
            "nächsten Monat zum ersten Mal in {x}, was sollte ich wissen",
        ),
        (
            "My partner and I are going to {x} for our anniversary and we've never been. What are the must-sees, "
            "and when is it nicest?",
            "我和伴侣打算去{x}过纪念日，我们从没去过。有哪些必看的地方？什么时候去最舒服？",
            "मैं और मेरा पार्टनर अपनी सालगिरह पर {x} जा रहे हैं और हम वहाँ पहले कभी नहीं गए। क्या-क्या ज़रूर देखना "
            "चाहिए, "
            "और कब जाना सबसे अच्छा रहता है?",
            "Mein Partner und ich fahren zu unserem Jahrestag nach {x} und waren noch nie dort. Was muss man gesehen "
            "haben, und wann ist es am schönsten?",
        ),
    ),
    slots=(
        ("Tokyo", "东京", "टोक्यो", "Tokio"),
        ("Paris", "巴黎", "पेरिस", "Paris"),
        ("Jaipur", "斋浦尔", "जयपुर", "Jaipur"),
        ("Berlin", "柏林", "बर्लिन", "Berlin"),
        ("Rome", "罗马", "रोम", "Rom"),
        ("Istanbul", "伊斯坦布尔", "इस्तांबुल", "Istanbul"),
        ("Beijing", "北京", "बीजिंग", "Peking"),
        ("Cape Town", "开普敦", "केप टाउन", "Kapstadt"),
        ("Mexico City", "墨西哥城", "मेक्सिको सिटी", "Mexiko-Stadt"),
    ),
    answers=(
        (
            "Don't miss Senso-ji temple in Asakusa, the Shibuya crossing, Meiji Shrine and a day trip to Nikko or "
            "Kamakura. Spring (cherry blossoms) and autumn are the most pleasant seasons, and an IC card like Suica "
            "makes the trains easy.",
            "别错过浅草的浅草寺、涩谷十字路口、明治神宫，还可以去日光或镰仓一日游。春天（樱花季）和秋天最舒适，用西瓜卡（Suica）这类IC卡坐电车很方便。",
            "आसाकुसा का सेंसो-जी मंदिर, शिबुया क्रॉसिंग, मेइजी श्राइन और निक्को या कामाकुरा की एक दिन की सैर न "
            "छोड़ें। वसंत "
            "(चेरी ब्लॉसम) और पतझड़ सबसे सुहावने मौसम हैं, और Suica जैसा IC कार्ड ट्रेन का सफ़र आसान बना देता है।",
            "Nicht verpassen: den Senso-ji-Tempel in Asakusa, die Shibuya-Kreuzung, den Meiji-Schrein und einen "
            "Tagesausflug nach Nikko oder Kamakura. Frühling (Kirschblüte) und Herbst sind die angenehmsten "
            "Jahreszeiten, und eine IC-Karte wie Suica macht Bahnfahren einfach.",
        ),
        (
            "See the Louvre (book ahead), walk along the Seine to Notre-Dame, climb Montmartre to Sacré-Cœur and "
            "visit the Musée d'Orsay. Late spring and early autumn have mild weather and fewer crowds; the metro is "
            "the quickest way around.",
            "去卢浮宫（提前订票），沿塞纳河散步到巴黎圣母院，登上蒙马特高地看圣心堂，再逛逛奥赛博物馆。春末和初秋天气温和、人也少些；地铁是最快的出行方式。",
            "लूव्र संग्रहालय देखिए (पहले से बुकिंग कीजिए), सीन नदी के किनारे नोत्र-दाम तक टहलिए, मोंमार्त्र पर चढ़कर "
            "सक्रे-कर "
            "देखिए और ओर्से संग्रहालय जाइए। देर वसंत और शुरुआती पतझड़ में मौसम सुहावना और भीड़ कम होती है; घूमने का "
            "सबसे तेज़ "
            "तरीक़ा मेट्रो है।",
            "Besuch den Louvre (vorher buchen), spazier an der Seine entlang zu Notre-Dame, steig auf den Montmartre "
            "zu Sacré-Cœur und schau ins Musée d'Orsay. Im späten Frühling und frühen Herbst ist das Wetter mild und "
            "es ist weniger voll; am schnellsten kommt man mit der Metro herum.",
        ),
        (
            "Visit Amber Fort early in the morning, then the City Palace, Hawa Mahal and the Jantar Mantar "
            "observatory, and browse the bazaars for textiles. October to March is the best time, as the summers "
            "are very hot.",
            "一早去琥珀堡，然后参观城市宫殿、风之宫殿和简塔曼塔天文台，再去集市逛逛纺织品。10月到次年3月是最佳时间，因为夏天非常炎热。",
            "सुबह-सुबह आमेर क़िला देखिए, फिर सिटी पैलेस, हवा महल और जंतर मंतर वेधशाला, और कपड़ों के लिए बाज़ारों में "
            "घूमिए। "
            "अक्टूबर से मार्च सबसे अच्छा समय है, क्योंकि गर्मियाँ बहुत तेज़ होती हैं।",
            "Besuch frühmorgens das Amber Fort, danach den Stadtpalast, den Hawa Mahal und das Observatorium Jantar "
            "Mantar, und stöbere in den Basaren nach Stoffen. Von Oktober bis März ist die beste Reisezeit, denn "
            "die Sommer sind sehr heiß.",
        ),
        (
            "See the Brandenburg Gate, the Reichstag dome (free with advance booking), the East Side Gallery and "
            "Museum Island. May to September is ideal; a day ticket for public transport covers trains, trams and "
            "buses.",
            "去看勃兰登堡门、国会大厦穹顶（提前预约可免费参观）、东边画廊和博物馆岛。5月到9月最理想；公共交通一日票可以坐火车、有轨电车和公交车。",
            "ब्रांडेनबर्ग गेट, राइशस्टाग का गुंबद (पहले से बुकिंग पर मुफ़्त), ईस्ट साइड गैलरी और म्यूज़ियम आइलैंड "
            "देखिए। मई से "
            "सितंबर सबसे अच्छा है; सार्वजनिक परिवहन का डे टिकट ट्रेन, ट्राम और बस सब पर चलता है।",
            "Sieh dir das Brandenburger Tor, die Reichstagskuppel (kostenlos mit Voranmeldung), die East Side "
            "Gallery und die Museumsinsel an. Mai bis September ist ideal; eine Tageskarte für den Nahverkehr gilt "
            "in Bahnen, Trams und Bussen.",
        ),
        (
            "Book the Colosseum and the Vatican Museums in advance, wander from the Pantheon to the Trevi Fountain "
            "and Piazza Navona, and explore Trastevere in the evening. April–May and September–October avoid the "
            "summer heat.",
            "提前预订罗马斗兽场和梵蒂冈博物馆，从万神殿漫步到特雷维喷泉和纳沃纳广场，晚上去特拉斯提弗列区逛逛。4–5月和9–10月可以避开夏季高温。",
            "कोलोसियम और वैटिकन संग्रहालयों की बुकिंग पहले कर लीजिए, पैंथियन से ट्रेवी फ़व्वारे और पियाज़ा नवोना तक "
            "पैदल "
            "घूमिए, और शाम को त्रास्तेवेरे की सैर कीजिए। अप्रैल–मई और सितंबर–अक्टूबर में गर्मी से बचा जा सकता है।",
            "Buche Kolosseum und Vatikanische Museen im Voraus, schlendere vom Pantheon zum Trevi-Brunnen und zur "
            "Piazza Navona und erkunde abends Trastevere. April bis Mai und September bis Oktober meiden die "
            "Sommerhitze.",
        ),
        (
            "Visit Hagia Sophia, the Blue Mosque, Topkapı Palace and the Grand Bazaar, and take a ferry on the "
            "Bosphorus. Spring and autumn are mild; an Istanbulkart works on trams, the metro and ferries.",
            "参观圣索菲亚大教堂、蓝色清真寺、托普卡帕宫和大巴扎，再坐渡轮游博斯普鲁斯海峡。春秋两季气候温和；伊斯坦布尔卡可以乘坐有轨电车、地铁和渡轮。",
            "हागिया सोफ़िया, ब्लू मस्जिद, तोपकापी महल और ग्रैंड बाज़ार देखिए, और बोस्फ़ोरस पर फ़ेरी की सवारी कीजिए। "
            "वसंत और "
            "पतझड़ में मौसम सुहावना रहता है; इस्तांबुलकार्ट ट्राम, मेट्रो और फ़ेरी सब में चलता है।",
            "Besuch die Hagia Sophia, die Blaue Moschee, den Topkapı-Palast und den Großen Basar und mach eine "
            "Fährfahrt auf dem Bosporus. Frühling und Herbst sind mild; die Istanbulkart gilt in Tram, Metro und "
            "Fähren.",
        ),
        (
            "See the Forbidden City (book tickets online), Tiananmen Square and the Temple of Heaven, and walk a "
            "restored section of the Great Wall such as Mutianyu. Spring and autumn are best; carry your passport, "
            "which many sights ask for.",
            "参观故宫（网上预约门票）、天安门广场和天坛，再去慕田峪等修复过的长城段走一走。春秋两季最好；记得带护照，很多景点需要出示。",
            "फ़ॉरबिडन सिटी (टिकट ऑनलाइन बुक कीजिए), थियानमेन चौक और टेंपल ऑफ़ हेवन देखिए, और मुतियान्यू जैसे मरम्मत "
            "किए गए "
            "हिस्से पर चीन की महान दीवार पर चलिए। वसंत और पतझड़ सबसे अच्छे हैं; पासपोर्ट साथ रखिए, कई जगह इसकी ज़रूरत "
            "होती है।",
            "Sieh dir die Verbotene Stadt (Tickets online buchen), den Platz des Himmlischen Friedens und den "
            "Himmelstempel an und wandere auf einem restaurierten Abschnitt der Großen Mauer wie Mutianyu. Frühling "
            "und Herbst sind am schönsten; nimm deinen Reisepass mit, den viele Sehenswürdigkeiten verlangen.",
        ),
        (
            "Take the cable car (or hike) up Table Mountain, visit the V&A Waterfront, drive to Cape Point and see "
            "the penguins at Boulders Beach. November to March is summer there and the driest time to visit.",
            "坐缆车（或徒步）登上桌山，逛逛V&A海滨，开车去好望角，再去巨石海滩看企鹅。11月到次年3月是当地夏季，也是最干燥的时节。",
            "टेबल माउंटेन पर केबल कार से (या पैदल) जाइए, वी एंड ए वॉटरफ़्रंट घूमिए, केप पॉइंट तक ड्राइव कीजिए और "
            "बोल्डर्स बीच "
            "पर पेंगुइन देखिए। नवंबर से मार्च वहाँ गर्मी का और सबसे सूखा मौसम होता है।",
            "Fahr mit der Seilbahn auf den Tafelberg (oder wandere hinauf), besuch die V&A Waterfront, fahr zum Kap "
            "der Guten Hoffnung und sieh dir die Pinguine am Boulders Beach an. November bis März ist dort Sommer "
            "und die trockenste Reisezeit.",
        ),
        (
            "Explore the historic centre and the Zócalo, the National Museum of Anthropology, Frida Kahlo's Blue "
            "House in Coyoacán and the nearby pyramids of Teotihuacán. October to May is the dry season.",
            "逛逛历史中心和宪法广场、国家人类学博物馆、科约阿坎的弗里达·卡罗蓝房子，以及附近的特奥蒂瓦坎金字塔。10月到次年5月是旱季。",
            "ऐतिहासिक केंद्र और ज़ोकालो, राष्ट्रीय मानवविज्ञान संग्रहालय, कोयोआकान में फ़्रीडा काहलो का ब्लू हाउस और "
            "पास में "
            "तेओतिहुआकान के पिरामिड देखिए। अक्टूबर से मई सूखा मौसम होता है।",
            "Erkunde das historische Zentrum mit dem Zócalo, das Nationalmuseum für Anthropologie, Frida Kahlos "
            "Blaues Haus in Coyoacán und die nahen Pyramiden von Teotihuacán. Oktober bis Mai ist Trockenzeit.",
        ),
    ),
)

WRITING = HarmlessTopic(
    name="writing",
    label=("writing", "写作", "लेखन", "Schreiben"),
    templates=(
        (
            "Can you help me write {x}?",
            "你能帮我写{x}吗？",
            "क्या आप {x} लिखने में मेरी मदद कर सकते हैं?",
            "Kannst du mir helfen, {x} zu schreiben?",
        ),
        ("Write {x}.", "写{x}。", "{x} लिखिए।", "Schreib {x}."),
        (
            "I have to write {x} by tomorrow and I don't know how to start. What should it include?",
            "我明天之前要写{x}，不知道怎么开头。应该包括哪些内容？",
            "मुझे कल तक {x} लिखना है और समझ नहीं आ रहा कि कहाँ से शुरू करूँ। इसमें क्या-क्या होना चाहिए?",
            "Ich muss bis morgen {x} schreiben und weiß nicht, wie ich anfangen soll. Was gehört hinein?",
        ),
        (
            "Draft {x} for me, please. Keep it friendly.",
            "请帮我起草{x}，语气友好一点。",
            "कृपया मेरे लिए {x} तैयार कर दीजिए। लहजा दोस्ताना रखिए।",
            "Entwirf bitte für mich {x}. Freundlich im Ton.",
        ),
    ),
    slots=(
        (
            "a thank-you note to my neighbour for watering my plants",
            "一张感谢邻居帮我浇花的便条",
            "पौधों को पानी देने वाले पड़ोसी के लिए धन्यवाद नोट",
            "eine Dankeskarte an meine Nachbarin fürs Blumengießen",
        ),
        (
            "a short email asking my manager for a day off",
            "一封向经理请一天假的简短邮件",
            "मैनेजर से एक दिन की छुट्टी माँगने वाला छोटा ईमेल",
            "eine kurze E-Mail an meine Chefin mit der Bitte um einen freien Tag",
        ),
        (
            "a birthday poem for my grandmother",
            "一首写给奶奶的生日小诗",
            "दादी के जन्मदिन के लिए एक छोटी कविता",
            "ein Geburtstagsgedicht für meine Oma",
        ),
        (
            "a cover letter for a job as a barista",
            "一封应聘咖啡师的求职信",
            "बरिस्ता की नौकरी के लिए एक कवर लेटर",
            "ein Anschreiben für eine Stelle als Barista",
        ),
        (
            "a product description for handmade candles",
            "一段手工蜡烛的商品描述",
            "हाथ से बनी मोमबत्तियों का प्रोडक्ट विवरण",
            "eine Produktbeschreibung für handgemachte Kerzen",
        ),
        (
            "an introduction for a school essay about climate change",
            "一篇关于气候变化的作文的开头",
            "जलवायु परिवर्तन पर स्कूल निबंध की भूमिका",
            "eine Einleitung für einen Schulaufsatz über den Klimawandel",
        ),
        (
            "a polite complaint about a late delivery",
            "一封关于快递延误的礼貌投诉信",
            "देर से आई डिलीवरी की एक विनम्र शिकायत",
            "eine höfliche Beschwerde über eine verspätete Lieferung",
        ),
        (
            "a toast for my best friend's wedding",
            "在好朋友婚礼上的祝酒词",
            "सबसे अच्छे दोस्त की शादी के लिए एक बधाई भाषण",
            "eine Rede für die Hochzeit meines besten Freundes",
        ),
        (
            "the opening of a short story set on a night train",
            "一个发生在夜行列车上的短篇故事的开头",
            "रात की ट्रेन में घटने वाली एक छोटी कहानी की शुरुआत",
            "den Anfang einer Kurzgeschichte in einem Nachtzug",
        ),
    ),
    answers=(
        (
            "Here's a short version: “Dear Anna, thank you so much for watering my plants while I was away – they're "
            "all thriving thanks to you! Please let me know if I can ever return the favour. Warm wishes, Sam”",
            "可以这样写：“亲爱的安娜，非常感谢你在我外出时帮我浇花——多亏了你，它们都长得很好！以后有需要帮忙的地方尽管告诉我。祝好，小山”",
            "एक छोटा-सा नोट: “प्रिय अन्ना जी, मेरी ग़ैरमौजूदगी में मेरे पौधों को पानी देने के लिए बहुत-बहुत धन्यवाद – "
            "आपकी वजह "
            "से सब हरे-भरे हैं! कभी मेरी ज़रूरत हो तो ज़रूर बताइए। शुभकामनाओं सहित, समीर”",
            "Zum Beispiel so: „Liebe Anna, vielen Dank, dass du meine Pflanzen gegossen hast, während ich weg war – "
            "dank dir geht es ihnen prächtig! Sag Bescheid, wenn ich mich einmal revanchieren kann. Herzliche Grüße, "
            "Sam“",
        ),
        (
            "Subject: Day off on Friday. “Hi Maria, I'd like to request a day off this Friday for a personal "
            "appointment. My tasks are on track, and Tom has agreed to cover anything urgent. Thank you, Alex”",
            "主题：周五请假申请。“玛丽亚您好，我因个人事务想在本周五请一天假。我的工作进度正常，汤姆也答应帮忙处理紧急事项。谢谢！亚历克斯”",
            "विषय: शुक्रवार की छुट्टी का अनुरोध। “नमस्ते मारिया जी, निजी काम की वजह से मुझे इस शुक्रवार एक दिन की "
            "छुट्टी चाहिए। "
            "मेरा काम समय पर चल रहा है, और कोई ज़रूरी काम आया तो टॉम देख लेंगे। धन्यवाद, एलेक्स”",
            "Betreff: Freier Tag am Freitag. „Hallo Maria, ich möchte für diesen Freitag wegen eines privaten "
            "Termins einen Tag Urlaub beantragen. Meine Aufgaben sind im Plan, und Tom übernimmt bei Bedarf "
            "Dringendes. Vielen Dank, Alex“",
        ),
        (
            "How about this: “Ninety candles, one warm smile, / stories that make the long years worthwhile. / "
            "Thank you for love that never grew old – / happy birthday, Grandma, worth more than gold.”",
            "试试这首：“九十支蜡烛，一抹暖笑，/ 多少往事，岁月静好。/ 您的爱从不老去，/ 奶奶，祝您生日快乐，福寿安康！”",
            "कुछ ऐसा: “नब्बे मोमबत्तियाँ, एक प्यारी मुस्कान, / आपकी कहानियों से रोशन हर शाम। / आपका प्यार कभी पुराना "
            "न हो, / "
            "जन्मदिन मुबारक हो, दादी माँ!”",
            "Wie wäre es damit: „Neunzig Kerzen, ein warmes Lachen, / Geschichten, die uns glücklich machen. / "
            "Danke für Liebe, die nie vergeht – / alles Gute, Oma, schön, dass es dich gibt!“",
        ),
        (
            "A good structure: open with the job you're applying for and why this café appeals to you; in the "
            "middle, mention relevant experience (customer service, working fast under pressure, any coffee "
            "training); close by offering a trial shift and thanking them. Keep it under a page.",
            "一个好的结构：开头说明应聘的职位以及你为什么喜欢这家咖啡馆；中间写相关经历（客户服务、在压力下快速工作、任何咖啡培训）；结尾表示愿意试工，并表示感谢。篇幅不要超过一页。",
            "अच्छा ढाँचा: शुरुआत में बताइए कि आप किस पद के लिए आवेदन कर रहे हैं और यह कैफ़े आपको क्यों पसंद है; बीच "
            "में "
            "संबंधित अनुभव लिखिए (ग्राहक सेवा, दबाव में तेज़ी से काम, कॉफ़ी की कोई ट्रेनिंग); आख़िर में ट्रायल शिफ़्ट "
            "की पेशकश "
            "करके धन्यवाद दीजिए। इसे एक पेज से छोटा रखिए।",
            "Ein guter Aufbau: Nenn am Anfang die Stelle und warum dich gerade dieses Café reizt; im Mittelteil "
            "passende Erfahrung (Kundenservice, schnelles Arbeiten unter Druck, eventuelle Kaffeeschulungen); zum "
            "Schluss ein Probearbeiten anbieten und dich bedanken. Höchstens eine Seite.",
        ),
        (
            "Try: “Hand-poured in small batches from natural soy wax, our candles burn cleanly for up to 40 hours "
            "and fill your room with soft scents of lavender and cedar. A calm evening, in a jar.”",
            "可以这样写：“我们的蜡烛采用天然大豆蜡小批量手工浇制，可洁净燃烧长达40小时，让房间弥漫着薰衣草与雪松的淡淡清香。把宁静的夜晚，装进一个玻璃罐。”",
            "कुछ ऐसा लिखिए: “प्राकृतिक सोया वैक्स से छोटे-छोटे बैच में हाथ से बनी हमारी मोमबत्तियाँ 40 घंटे तक साफ़ "
            "जलती हैं और "
            "आपके कमरे को लैवेंडर और देवदार की हल्की ख़ुशबू से भर देती हैं। एक शांत शाम, एक जार में।”",
            "Zum Beispiel: „In kleinen Chargen von Hand aus natürlichem Sojawachs gegossen, brennen unsere Kerzen "
            "bis zu 40 Stunden sauber ab und erfüllen den Raum mit einem sanften Duft von Lavendel und Zeder. Ein "
            "ruhiger Abend im Glas.“",
        ),
        (
            "For example: “Summers are getting hotter, storms stronger and glaciers smaller. Climate change is no "
            "longer a distant threat but a reality we can measure. This essay looks at its main causes, its effects "
            "on people and nature, and what we can still do about it.”",
            "例如：“夏天越来越热，风暴越来越强，冰川越来越小。气候变化已不再是遥远的威胁，而是可以测量的现实。本文将探讨它的主要原因、对人类和自然的影响，以及我们还能做些什么。”",
            "उदाहरण के लिए: “गर्मियाँ और गर्म हो रही हैं, तूफ़ान और तेज़, और ग्लेशियर छोटे। जलवायु परिवर्तन अब दूर का "
            "ख़तरा नहीं, "
            "बल्कि एक ऐसी सच्चाई है जिसे हम माप सकते हैं। इस निबंध में इसके मुख्य कारणों, इंसानों और प्रकृति पर इसके "
            "असर, और "
            "इससे निपटने के उपायों पर बात की गई है।”",
            "Zum Beispiel: „Die Sommer werden heißer, die Stürme heftiger und die Gletscher kleiner. Der "
            "Klimawandel ist keine ferne Bedrohung mehr, sondern eine messbare Wirklichkeit. Dieser Aufsatz "
            "beleuchtet seine wichtigsten Ursachen, seine Folgen für Mensch und Natur und das, was wir noch tun "
            "können.“",
        ),
        (
            "Something like: “Hello, I ordered a desk (order 48213) on 2 May with delivery promised within five "
            "days, but it still hasn't arrived. Could you tell me where it is and when I can expect it? If it can't "
            "be delivered this week, I'd like a refund. Thank you.”",
            "大致可以这样：“您好，我于5月2日订购了一张书桌（订单号48213），承诺五天内送达，但至今仍未收到。请问能告诉我它现在在哪里、预计什么时候送到吗？如果本周无法送达，我希望退款。谢谢。”",
            "कुछ इस तरह: “नमस्ते, मैंने 2 मई को एक डेस्क (ऑर्डर 48213) मँगवाई थी, जिसकी डिलीवरी पाँच दिन में होनी थी, "
            "पर वह "
            "अब तक नहीं आई। क्या आप बता सकते हैं कि वह कहाँ है और कब तक पहुँचेगी? अगर इस हफ़्ते डिलीवरी नहीं हो सकती, "
            "तो कृपया "
            "पैसे वापस कर दें। धन्यवाद।”",
            "Etwa so: „Guten Tag, ich habe am 2. Mai einen Schreibtisch bestellt (Bestellnummer 48213), Lieferung "
            "innerhalb von fünf Tagen zugesagt, aber er ist noch immer nicht da. Können Sie mir sagen, wo er ist und "
            "wann er kommt? Falls eine Lieferung diese Woche nicht möglich ist, bitte ich um Erstattung. Vielen Dank.“",
        ),
        (
            "A simple shape: say how you know the couple, share one short, kind story about your friend, say what "
            "you love about them together, and end by raising your glass: “To Priya and Jonas – may your home "
            "always be full of laughter.” Two or three minutes is plenty.",
            "一个简单的结构：先说你和新人的关系，讲一个关于好友的温馨小故事，说说你欣赏他们在一起的哪些地方，最后举杯：“敬普丽娅和约纳斯——愿你们的家永远充满欢笑。”两三分钟就足够了。",
            "सीधा-सा ढाँचा: बताइए कि आप जोड़े को कैसे जानते हैं, अपने दोस्त से जुड़ा एक छोटा, प्यारा क़िस्सा सुनाइए, "
            "बताइए कि "
            "दोनों साथ में आपको क्यों अच्छे लगते हैं, और आख़िर में जाम उठाइए: “प्रिया और योनास के नाम – आपका घर हमेशा "
            "हँसी से "
            "भरा रहे।” दो-तीन मिनट काफ़ी हैं।",
            "Ein einfacher Aufbau: Erzähl, woher du das Paar kennst, teile eine kurze, liebevolle Anekdote über "
            "deinen Freund, sag, was du an den beiden zusammen magst, und heb zum Schluss das Glas: „Auf Priya und "
            "Jonas – möge euer Zuhause immer voller Lachen sein.“ Zwei, drei Minuten reichen völlig.",
        ),
        (
            "Here's an opening: “The night train smelled of coffee and wet coats. Lena had a ticket to the last "
            "stop, a letter she hadn't opened, and exactly one reason to go home. Somewhere past midnight, the man "
            "in seat 14 began to hum the song her father used to sing.”",
            "这样开头怎么样：“夜车里弥漫着咖啡和湿外套的味道。莉娜手里有一张到终点站的车票、一封还没拆开的信，以及一个回家的理由。过了午夜，14号座位上的男人开始哼起她父亲从前常唱的那首歌。”",
            "एक शुरुआत: “रात की ट्रेन में कॉफ़ी और भीगे कोटों की गंध थी। लीना के पास आख़िरी स्टेशन का टिकट था, एक "
            "बिना खुली "
            "चिट्ठी थी, और घर लौटने की बस एक वजह। आधी रात के कुछ बाद, सीट 14 पर बैठा आदमी वही गाना गुनगुनाने लगा जो "
            "उसके "
            "पिता गाया करते थे।”",
            "Ein möglicher Anfang: „Der Nachtzug roch nach Kaffee und nassen Mänteln. Lena hatte eine Fahrkarte bis "
            "zur Endstation, einen ungeöffneten Brief und genau einen Grund, nach Hause zu fahren. Irgendwann nach "
            "Mitternacht begann der Mann auf Platz 14, das Lied zu summen, das ihr Vater immer gesungen hatte.“",
        ),
    ),
)

TOPICS: tuple[HarmlessTopic, ...] = (SCIENCE, HISTORY, FINANCE, HEALTH, CODING, HOME_GARDEN, COOKING, TRAVEL, WRITING)

MATH_LABEL: ML = ("maths", "数学", "गणित", "Mathe")


def _draw_percent(rng: random.Random) -> dict[str, int]:
    p = rng.choice((5, 10, 15, 20, 25, 30, 40, 50, 60, 75))
    n = 20 * rng.randint(2, 40)
    return {"p": p, "n": n, "r": p * n // 100}


def _draw_speed(rng: random.Random) -> dict[str, int]:
    r, h = 5 * rng.randint(8, 24), rng.randint(2, 6)
    return {"d": r * h, "h": h, "r": r}


def _draw_equation(rng: random.Random) -> dict[str, int]:
    a, b, x = rng.randint(2, 9), rng.randint(1, 30), rng.randint(2, 20)
    return {"a": a, "b": b, "c": a * x + b, "cb": a * x, "x": x}


def _draw_savings(rng: random.Random) -> dict[str, int]:
    s, m = 25 * rng.randint(2, 16), rng.randint(3, 24)
    return {"s": s, "m": m, "r": s * m}


def _draw_temperature(rng: random.Random) -> dict[str, int]:
    c = 5 * rng.randint(-4, 8)
    return {"c": c, "f": c * 9 // 5 + 32}


def _draw_area(rng: random.Random) -> dict[str, int]:
    w, l = rng.randint(2, 15), rng.randint(3, 25)
    return {"w": w, "l": l, "r": w * l}


MATH_PROBLEMS: tuple[MathProblem, ...] = (
    MathProblem(
        name="math-percent",
        question=("What is {p}% of {n}?", "{n}的{p}%是多少？", "{n} का {p}% कितना होता है?", "Wie viel sind {p} % von {n}?"),
        answer=(
            "{p}% of {n} is {r}: multiply {n} by {p} and divide by 100.",
            "{n}的{p}%是{r}：用{n}乘以{p}，再除以100。",
            "{n} का {p}% {r} होता है: {n} को {p} से गुणा करके 100 से भाग दीजिए।",
            "{p} % von {n} sind {r}: {n} mal {p}, geteilt durch 100.",
        ),
        draw=_draw_percent,
    ),
    MathProblem(
        name="math-speed",
        question=(
            "A train travels {d} km in {h} hours. What is its average speed?",
            "一列火车{h}小时行驶了{d}公里，它的平均速度是多少？",
            "एक ट्रेन {h} घंटे में {d} किलोमीटर चलती है। उसकी औसत गति कितनी है?",
            "Ein Zug fährt {d} km in {h} Stunden. Wie hoch ist seine Durchschnittsgeschwindigkeit?",
        ),
        answer=(
            "Average speed = distance ÷ time = {d} ÷ {h} = {r} km/h.",
            "平均速度 = 路程 ÷ 时间 = {d} ÷ {h} = {r}公里/小时。",
            "औसत गति = दूरी ÷ समय = {d} ÷ {h} = {r} किलोमीटर प्रति घंटा।",
            "Durchschnittsgeschwindigkeit = Strecke ÷ Zeit = {d} ÷ {h} = {r} km/h.",
        ),
        draw=_draw_speed,
    ),
    MathProblem(
        name="math-equation",
        question=(
            "Solve for x: {a}x + {b} = {c}.",
            "解方程：{a}x + {b} = {c}。",
            "x का मान निकालिए: {a}x + {b} = {c}।",
            "Löse nach x auf: {a}x + {b} = {c}.",
        ),
        answer=(
            "Subtract {b} from both sides: {a}x = {cb}. Then divide by {a}: x = {x}.",
            "两边同时减去{b}：{a}x = {cb}。再除以{a}：x = {x}。",
            "दोनों तरफ़ से {b} घटाइए: {a}x = {cb}। फिर {a} से भाग दीजिए: x = {x}।",
            "Auf beiden Seiten {b} abziehen: {a}x = {cb}. Dann durch {a} teilen: x = {x}.",
        ),
        draw=_draw_equation,
    ),
    MathProblem(
        name="math-savings",
        question=(
            "If I save {s} dollars every month, how much will I have after {m} months?",
            "如果我每个月存{s}元，{m}个月后一共有多少？",
            "अगर मैं हर महीने {s} रुपये बचाऊँ, तो {m} महीने बाद मेरे पास कितने होंगे?",
            "Wenn ich jeden Monat {s} Euro spare, wie viel habe ich nach {m} Monaten?",
        ),
        answer=(
            "{s} × {m} = {r} dollars, not counting any interest.",
            "{s} × {m} = {r}元（不计利息）。",
            "{s} × {m} = {r} रुपये (ब्याज को छोड़कर)।",
            "{s} × {m} = {r} Euro (ohne Zinsen).",
        ),
        draw=_draw_savings,
    ),
    MathProblem(
        name="math-temperature",
        question=(
            "Convert {c} degrees Celsius to Fahrenheit.",
            "把{c}摄氏度换算成华氏度。",
            "{c} डिग्री सेल्सियस को फ़ारेनहाइट में बदलिए।",
            "Rechne {c} Grad Celsius in Fahrenheit um.",
        ),
        answer=(
            "F = C × 9/5 + 32 = {c} × 9/5 + 32 = {f} °F.",
            "华氏度 = 摄氏度 × 9/5 + 32 = {c} × 9/5 + 32 = {f}°F。",
            "फ़ारेनहाइट = सेल्सियस × 9/5 + 32 = {c} × 9/5 + 32 = {f} °F।",
            "Fahrenheit = Celsius × 9/5 + 32 = {c} × 9/5 + 32 = {f} °F.",
        ),
        draw=_draw_temperature,
    ),
    MathProblem(
        name="math-area",
        question=(
            "What is the area of a rectangle {w} m wide and {l} m long?",
            "一个宽{w}米、长{l}米的长方形面积是多少？",
            "{w} मीटर चौड़े और {l} मीटर लंबे आयत का क्षेत्रफल कितना है?",
            "Wie groß ist die Fläche eines Rechtecks, das {w} m breit und {l} m lang ist?",
        ),
        answer=(
            "Area = width × length = {w} × {l} = {r} m².",
            "面积 = 宽 × 长 = {w} × {l} = {r}平方米。",
            "क्षेत्रफल = चौड़ाई × लंबाई = {w} × {l} = {r} वर्ग मीटर।",
            "Fläche = Breite × Länge = {w} × {l} = {r} m².",
        ),
        draw=_draw_area,
    ),
)
