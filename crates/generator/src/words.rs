//! The words generated profiles are made of: first names and surnames
//! (Turkish and international, with `ç ğ ı İ ö ş ü` and other accents),
//! cities, bio templates, interests, expertise and stream titles; and the
//! folding of a name to the ASCII letters a social handle may use.

/// The ASCII letters of a name, lowercase, accents and Turkish letters
/// folded (`Çağrı` gives `cagri`): for social handles.
pub(crate) fn ascii_letters(name: &str, out: &mut String) {
    out.clear();
    for c in name.chars() {
        let folded = match c {
            'ç' | 'Ç' | 'ć' | 'č' => 'c',
            'ğ' | 'Ğ' => 'g',
            'ı' | 'İ' | 'í' | 'î' | 'ï' => 'i',
            'ö' | 'Ö' | 'ø' | 'Ø' | 'ó' | 'ô' | 'ő' => 'o',
            'ş' | 'Ş' | 'ś' | 'š' => 's',
            'ü' | 'Ü' | 'ú' | 'û' => 'u',
            'é' | 'è' | 'ê' | 'ë' | 'ễ' => 'e',
            'á' | 'à' | 'â' | 'ä' | 'å' | 'ã' => 'a',
            'ñ' | 'ń' => 'n',
            'ł' | 'Ł' => 'l',
            'ž' | 'ź' | 'ż' => 'z',
            'ř' => 'r',
            'ý' => 'y',
            'æ' => 'a',
            c if c.is_ascii_alphabetic() => c.to_ascii_lowercase(),
            _ => continue,
        };
        out.push(folded);
    }
}

#[rustfmt::skip]
pub(crate) const FIRST_NAMES: &[&str] = &[
    // Turkish
    "Ahmet", "Mehmet", "Mustafa", "Ali", "Hüseyin", "Hasan", "İbrahim", "İsmail", "Osman",
    "Yusuf", "Murat", "Ömer", "Ramazan", "Halil", "Süleyman", "Abdullah", "Emre", "Burak",
    "Çağlar", "Barış", "Oğuz", "Gökhan", "Tolga", "Serkan", "Uğur", "Cem", "Can", "Kaan",
    "Deniz", "Ege", "Eren", "Arda", "Kerem", "Alperen", "Berk", "Doğan", "Gürkan", "Tuğrul",
    "Şükrü", "Çağrı", "Onur", "Volkan", "Sinan", "Ayşe", "Fatma", "Emine", "Hatice", "Zeynep",
    "Elif", "Meryem", "Şerife", "Zehra", "Sultan", "Hülya", "Gülşen", "Özlem", "Büşra",
    "Merve", "Esra", "Tuğba", "Gizem", "Seda", "Çiğdem", "Şule", "Gül", "Nur", "İrem", "Ebru",
    "Dilek", "Sevgi", "Yağmur", "Ilgın", "Işıl", "Ümran", "Öykü", "Ayşegül", "Günay", "Şeyma",
    "Damla", "Pınar", "Sıla", "Nilüfer", "Cansu", "Aslı", "Duygu", "Begüm", "Defne", "Ecrin",
    // International
    "John", "Maria", "Liam", "Olivia", "Noah", "Emma", "Sophia", "Lucas", "Mateo", "Chloé",
    "Zoë", "François", "José", "Sofía", "Björn", "Søren", "Łukasz", "Małgorzata", "Jürgen",
    "Anaïs", "Hannah", "Yuki", "Hiroshi", "Mei", "Wei", "Priya", "Arjun", "Aisha", "Omar",
    "Fatima", "Ivan", "Olga", "Nikolai", "Giulia", "Marco", "Ana", "João", "Andrés", "Camila",
    "Dmitri", "Ingrid", "Astrid", "Sean", "Siobhán", "Chinedu", "Amara", "Kwame", "Leila",
    "Reza", "Noa", "Elena", "Nadia", "Héctor", "Renée",
];

#[rustfmt::skip]
pub(crate) const SURNAMES: &[&str] = &[
    // Turkish
    "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın",
    "Özdemir", "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan",
    "Şimşek", "Polat", "Özcan", "Korkmaz", "Çakır", "Erdoğan", "Yavuz", "Can", "Acar", "Şen",
    "Aktaş", "Güler", "Yalçın", "Güneş", "Bozkurt", "Bulut", "Keskin", "Ünal", "Turan", "Gül",
    "Özer", "Işık", "Kaplan", "Avcı", "Sarı", "Tekin", "Taş", "Köse", "Yüksel", "Ateş",
    "Aksoy", "Ekinci", "Sönmez", "Altun", "Güven", "Uçar", "Tunç", "Çiftçi", "Gündoğdu",
    "Karaca", "Ağaoğlu", "Eğilmez", "Türkmen", "Oğuz", "İnce", "Uysal", "Akgül", "Çınar",
    "Dönmez", "Başaran", "Gökçe", "Bayram", "Sezer", "Durmaz", "Topçu", "İpek", "Ilıcalı",
    // International
    "Smith", "Johnson", "García", "Martínez", "Müller", "Schmidt", "Dubois", "Lefèvre",
    "Rossi", "Bianchi", "Novák", "Kowalski", "Wiśniewski", "Nowak", "Ivanov", "Petrov",
    "Tanaka", "Suzuki", "Wang", "Li", "Zhang", "Kim", "Park", "Nguyễn", "Patel", "Sharma",
    "Khan", "Hansen", "Johansson", "Østergaard", "Silva", "Santos", "Pereira", "O'Brien",
    "Murphy", "Jensen", "Andersson", "Fernández", "López", "González", "Papadopoulos",
    "Horváth", "Kovačević", "Dvořák", "Björk", "Núñez", "Okafor", "Mensah",
];

#[rustfmt::skip]
pub(crate) const CITIES: &[&str] = &[
    "İstanbul", "Ankara", "İzmir", "Bursa", "Antalya", "Eskişehir", "Gaziantep", "Muğla",
    "Trabzon", "Diyarbakır", "Berlin", "London", "Paris", "Madrid", "New York", "Tokyo",
    "São Paulo", "Kraków", "Zürich", "Lagos",
];

#[rustfmt::skip]
pub(crate) const BIOS: &[&str] = &[
    "Live from {city}. Mostly {topic}.",
    "{city}'dan selamlar! {topic} hakkında her şey.",
    "Talking about {topic} every evening.",
    "Her gün {topic}, her gece müzik.\nTakip et, kaçırma!",
    "Creator based in {city}: {topic}, coffee and good company.",
    "Hayalim {city}'da bir stüdyo. Şimdilik {topic}.",
    "Ask me anything about {topic}.",
    "Öğretmen, gezgin, {topic} meraklısı.",
    "Streaming {topic} from {city} \u{2728}",
    "\"{topic}\" is my middle name.",
];

#[rustfmt::skip]
pub(crate) const INTERESTS: &[&str] = &[
    "music", "sports", "travel", "gaming", "cooking", "photography", "fitness", "yoga",
    "football", "basketball", "fashion", "makeup", "technology", "coding", "art", "dance",
    "books", "movies", "anime", "chess", "live music", "street food", "müzik", "seyahat",
    "yemek", "futbol", "kitaplar", "doğa", "fotoğrafçılık", "k-pop",
];

#[rustfmt::skip]
pub(crate) const EXPERTISE: &[&str] = &[
    "designer", "developer", "musician", "chef", "fitness coach", "photographer", "teacher",
    "DJ", "streamer", "makeup artist", "yazılım geliştirici", "aşçı", "müzisyen",
    "grafik tasarımcı", "öğretmen", "spor eğitmeni",
];

#[rustfmt::skip]
pub(crate) const STREAM_TITLES: &[&str] = &[
    "Sabah kahvesi sohbeti", "Canlı müzik gecesi", "Q&A: ask me anything", "Gaming night",
    "Yoga flow", "Cooking İskender at home", "Study with me", "Late-night talk",
    "Guitar practice", "Maç sonu yorumları", "Makyaj tutorial", "Travel stories",
    "Coding live", "Kitap kulübü", "Chess blitz", "Dans dersi", "Şarkı istekleri",
    "Morning workout", "Çay saati", "Photo walk",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_lists_are_large_and_handles_fold_to_ascii() {
        assert!(FIRST_NAMES.len() >= 100, "{}", FIRST_NAMES.len());
        assert!(SURNAMES.len() >= 100, "{}", SURNAMES.len());
        let mut out = String::new();
        ascii_letters("Çağrı", &mut out);
        assert_eq!(out, "cagri");
        for name in FIRST_NAMES.iter().chain(SURNAMES) {
            ascii_letters(name, &mut out);
            assert!(out.len() >= 2, "{name} folds to {out:?}");
        }
    }
}
