"""Marker words of the Latin-script languages (and romanised Nepali) for the language guess.

2 = typical of that language, 1 = common but also borrowed or shared with another language
here. Chosen from the words of each language's training data (nlu_data/nlu/<code>/), never
from the held-out files the guess is measured on, leaving out names, the English and
Japanese loanwords every language uses (passport, visa, kumiai) and words that mean
something in two of these languages, which count 1 for each or not at all: Indonesian and
Tagalog share kami, utang, dapat; Vietnamese typed without its marks ("toi", "ve") collides
with English and Spanish (la, con, de, the, can), so only its distinctive forms count.
"""

from __future__ import annotations

import re
from typing import Final


def _words(strong: str, weak: str = "") -> dict[str, int]:
    return dict.fromkeys(strong.split(), 2) | dict.fromkeys(weak.split(), 1)


_CHOSEN: Final[dict[str, dict[str, int]]] = {
    # Tagalog function words outweigh the English nouns of Taglish ("kinuha ng boss ko yung
    # passport").
    "tl": _words(
        "po opo ako aq ang ng mga sa ko ba yung ung kasi kc naman nmn hindi paano pano saan "
        "nasaan tulong tulungan kinuha gusto wala wla lang lng nila niya nya mo ikaw siya "
        "sya namin natin tayo kayo nyo ninyo akin sakin salamat kailangan pwede puwede takot "
        "natatakot bahay trabaho ngayon dito doon ito yan yun iyon nang kay sila nga talaga "
        "baka daw raw din rin oo huwag wag bakit meron kung nasa amin kanila tumakas makauwi "
        "umuwi pinapasok sahod binabayaran mag akong walang sino anong alam magandang ayoko "
        "papatayin lahat kahit sige bukas ayaw muna mamatay araw pamilya mabuhay gabi "
        "umalis pinto oras nagtatago nag magkano tawagan sasaktan sabi pumunta pulis pinas "
        "pang labas kwarto kong kasama gamot patayin makahinga sabihin mamaya kotse kausap "
        "kaibigan hawak embahada ulit sinasaktan pauwi patay pagkain maraming iba pilipinas "
        "nito nandito matulog makaalis loob gawin gagawin bumalik bilis bayaran bayad uminom "
        "tungkol sagot pinay pera parang nakita masakit makausap kanina ginagawa buwan "
        "bawal umaga tlga taon sweldo pala pagod ospital nalang kumuha kailan isang inyo "
        "habang galing dyan dumating diba dali andyan andito tapos tirahan",
        "na pa pag ni para kami utang kita lagi ka may ano kaya dapat amo tao sana tong bago",
    ),
    "es": _words(
        "que qué estoy tengo ayuda ayúdame ayudame ayudeme ayúdenme por el la los las mi mis "
        "de del es está esta quiero necesito puedo hola gracias pasaporte jefe jefa deuda "
        "dinero miedo policía policia trabajo donde dónde cómo como yo un una con pero nadie "
        "nada hay tienen tiene quitaron debo también porque ahora aquí aqui soy muy lo le se "
        "estan están mucho alguien casa salir pagar vivo hacer q sin esto pueden voy quien "
        "nos cuanto todo japon japón este eso eres va puerta puede ir mejor matar buenas "
        "hago favor familia consulado volver vivir hasta dicen ahi ahí noche hace persona "
        "hoy embajada dice cuando amiga amigo seguir celular te rapido rápido quiere otro "
        "golpeando dormir dias días viene patron patrón nunca japones japonés escribo "
        "afuera tiempo seguro pagan noches mensajes irme hablar encerrada despues después "
        "dejan cuchillo comida vida ustedes queda pastillas muchas llego llave hacen desde "
        "cuarto comer carro bueno agencia vienen verdad sueldo señora otra muero mañana "
        "escondida cual bien algun algún yenes todos tarde siento semana saben luego llamen "
        "estar empresa cerca cada aca acá ver tal regresar hora hablando ayudar asi así algo "
        "agua saludos chao adios adiós vemos hablamos despido cuidense cuídense listo tu tú "
        "porfa",
        "me no si sí ni para en y x dar sino amo",
    ),
    "en": _words(
        "i i'm im my the is are am you your it it's what where how why can can't cant don't "
        "dont do want need they he she took have has will was this that there here with and "
        "of for not get scared afraid someone anyone in now back from out if say who good "
        "know hurt home door friend all coming but be outside anymore much leave come call "
        "talk kill take sleep after tonight or myself family away we right without when tell "
        "later keep got run owe live again still like hiding us person one night never make "
        "food end die days cut put must life last going give today taking many let find "
        "about wont won't tomorrow stop somewhere new its her them said lot locked hurry "
        "house finish dead sick our only near month living does ask way nothing nobody every "
        "evening change came buy alive whats what's wanna wake very until think thats some "
        "since return quick more left keeps idk gonna forever fine cannot would working use "
        "goodbye morning reply anybody awake battery peace alright could should",
        "me no help please pls plz hello hi thanks thank to go work job money police boss yes "
        "u ur sorry may long bye",
    ),
    # Vietnamese with its marks (which also count as letters, see language.py) and without.
    "vi": _words(
        "tôi toi không khong ko hong được duoc dc của cua người nguoi những nhung với voi "
        "mình minh giúp giup lương luong việc viec phải phai muốn muon chưa chua rồi roi "
        "biết biet nào đâu hộ chiếu chieu nhật nhat xin cảm ơn oi ơi làm lam bị nhé nhe gì "
        "chủ tiền tien công cong em anh chị vào vao nhiều nhieu hết het tiếng tieng việt "
        "viet nghiệp nghiep thực thuc tập đi đã đang sẽ về ở này nhà bạn có cũng cung trốn "
        "tron sợ bây giờ gio là ai họ đây ạ cần nợ chào lại sao bao nó chết chet ra nói noi "
        "nhắn nhan trả tin đánh danh thế máy điện dien gọi goi cứu cuu chỗ thì nước nuoc "
        "ngủ ngu mà mua bắt tối quá ngày mấy bảo đại sứ đúng dung xe qua khỏi khoi hôm hom "
        "cửa cách nữa nua lên giữ giu đến vay thoại thoai nhiêu bỏ vậy tự mất gửi gui giết "
        "giet biệt đồng để tạm thôi thoi sống sang ngoài ngoai còn báo tts trong tiếng "
        "thuốc thuoc tay bằng thẻ thật sau phòng phong nghỉ nghi lắm hả đuổi duoi tháng "
        "thang theo liên gặp tìm trên tiếp tiep sinh quê nếu neu mới một mot khám kham "
        "giấy giay đó đêm đau ăn từ triệu trieu thoát thoat số cty",
        "ho co cho chi nay ve khi lai thi ma nam ngay dang da sao ty o nha gi bi dau ban tra "
        "mua qua den bo tu sau tay",
    ),
    "id": _words(
        "saya aku kamu dia mereka tidak nggak gak enggak ngga bisa mau ingin pengen dari "
        "yang ini itu ada tolong bantu bantuan majikan paspor gaji kerja bekerja kabur takut "
        "pulang uang duit hutang bagaimana gimana apa kenapa mengapa kapan sudah udah "
        "belum juga dengan untuk karena tapi saja aja terima kasih makasih polisi kedutaan "
        "kbri tinggal tempat tidur sakit rumah sekarang perusahaan lembur dipukul disuruh "
        "harus bapak mbak selamat pagi malam siang tahu banyak orang pergi datang jepang "
        "magang pemagang dipotong tanpa mohon boleh jangan punya diambil kak mati kalo "
        "hidup nanti keluar kalau berapa bahasa siapa dulu butuh bakal sini terus pengen "
        "banget pintu pake kamar hari bayar bagus telpon diri semua pisau obat lapor katanya "
        "kapal iya minta kirim bunuh bikin atau asrama temen tangan sembunyi murah bulan "
        "beli dibayar aman sampe ketahuan kartu hubungi habis depan besok berhenti bener "
        "bawa tahun minum lunas lebih kena hak dokter ditahan dikunci cepet caranya buka "
        "baca tiap soal sih setuju sampai panggil nginep mukul mobil minggu makan lain "
        "kuat kontrak imigrasi hamil dipegang cerita bukan biaya beneran abis usah tanya "
        "surat sebelum pabrik ngumpet ngobrol napas malem lanjut jadi dipaksa cuma biar tadi "
        "stasiun sendiri perlu nomor luar liat korban kereta kata kampung jawab izin gedor "
        "ganti dikasih denda deh lpk",
        "ga di ke dan ibu mas halo kami utang tau mana lagi bilang buat bos sama kan pas "
        "main jam dapat cara kaya",
    ),
    # Nepali typed in Latin letters, as on a phone without a Devanagari keyboard.
    "ne": _words(
        "mero malai cha chha chaina chhaina xa xaina parcha parchha parxa garnu garne "
        "kasari kaha kina hajur didi bahini sathi tirna tirnu dherai lagyo lagcha lagxa "
        "sahu sahuji sakiyo garera gareko bhayo huncha hunchha hunxa pani timi tapai "
        "tapaai hamro hami dinu dinus dinuhos garnuhos sahayog maddat madat ghar janu "
        "chu chhu xu chan chhan lyo liyo marcha bhanyo khojdai lukeko thaha payo sakina "
        "sakdina aayo pheri uniharu garna lera kutdai bhaisakyo jagga rajdutawas",
        "ma ho paisa dar nepal nepali jana le k lai yo dai rin ki din tara kati bata ab",
    ),
}
# More words, each found in one language's training data only (in at least three examples,
# two for Tagalog and Nepali, whose words take many forms; no more than a tenth of its uses
# elsewhere; names and Japanese or English loanwords left out). Vietnamese typed without
# marks counts 1, as its syllables often spell a word of another language too.
_FROM_TRAINING: Final[dict[str, dict[str, int]]] = {
    "en": _words(
        "pay place bleeding salary room hurting hes car knife better any too write jump found "
        "everything beat waiting hitting hear happen gun best pain open head force factory "
        "danger breathe beating allowed agent wrist water watching under turn speak rope roof "
        "over name mother men killing kids just into him follow feel downstairs country catch "
        "answer alone victims trying tired threaten texting swallowed standing something "
        "somebody says ring really read pointing play paid nice maybe looking knocking hurts "
        "hold his hair fever everywhere dying collapsed choking care big behind before "
        "answering another yesterday year women woman which weather wait visit typing true "
        "talking taken swollen support sunday street stomach sister rescue refuse recommend "
        "reason rather punching pregnant possible people parents nowhere move meet mean lost "
        "lets knows kind injured i'll harm friends forcing forced expensive emergency dragged "
        "dogs cold close cheap caught broke breathing bleach being been because bcoz as "
        "already ago"
    ),
    "es": _words(
        "al pegando nombre compro tomé todas pasaje parce pais llevan llamar lado hombre "
        "guarda ganas fabrica entrar duele dormitorio despertar creo calle volviendo vengan "
        "vencio trata trabajar trabajando tome tarjeta sola sirve siguiendo sentido sangre "
        "sangrando salgo refugio receta quisiera quede pon pegar más mujeres mueve mil "
        "metieron mes medico maquina mano llevaron igual hablo gano español escucho esa dijo "
        "dejar cuesta cuantos contrato compañera cobran cliente buenos baño albergue xq "
        "viviendo vine viaje unos todavia subieron sigo salirme saco responde recomiendame "
        "quedarme quedar pues plata permiso pateando partido pago obligan murio morir mismo "
        "meses mensaje manden llevar llevando llegue lee jaja inmigracion ingles gente fuerza "
        "escribiendo escapar encerradas ellos dueño doy documentos dios dijeron dejo deja "
        "dale cuenta consigo clientes cansada cambio cama buscando buen ayude ayudan "
        "automatico aunque aguanto acabe acabar vuelvo vez venir venden vale trajo tocando "
        "tirarme tirar tarea tardes sube solo solas sistema sigue siempre señorita saltar "
        "saber restaurante residencia renuncio recomiendas razon quieren quedo pronto presion "
        "prefiero permitido peligro pedir país pasos pague pagarme paga numero nuevo muerta "
        "morirme metiendo mal luz juega intereses hermana habla guardan frio falta estos "
        "estamos estacion ese escribir escriba escondido escapo escaparme entre entiendo "
        "enterar enferma encontraron devolver descuentan desaparecer denuncio denunciar "
        "debajo datos cuento corte conocen conmigo claro cierto cambiar cabeza busco brazos "
        "boca bendiga ayudenme atiende amenazando ahorita ahorcando acogida acaba"
    ),
    "tl": _words(
        "buhay bang bagong tapusin tama sumusunod makakauwi magpa tumalon malalaman kwenta "
        "gumawa asa tumutulong tubig totoong pinapalabas papunta pangalan pabalik naka "
        "nahanap mawala makalabas magpatingin magising kontrata kanta kaming hinahabol "
        "binubugbog bibili uuwi tutulong tumulong tnt tatapusin tatalon tanghali sitwasyon "
        "sinusundan sinuntok sinisipa sinisingil sinakay silbi sawa probinsya pinoy pinipilit "
        "pinakamalapit parating papuntang palagi niyo nilock nde nagtatype nagbayad "
        "matutuluyan matutulungan matulugan matapos masarap mamayang mali malapit makakaalam "
        "magreklamo lumabas linggo likod libreng kutsilyo konsulado karapatan ituloy ilalim "
        "ibigay ibig humihinga hirap hinahanap hanggang hangga't gumagalaw gandang dumudugo "
        "doktor dahil cge buntis binubuksan bilisan banyo babalik atin ata ilang sakit anak "
        "ulo ubos tyan totoo tinutukan tinitingnan tingnan tinago sumagot sobrang sobra sipon "
        "sinisira sine sinasakal sinasabi sinaksak simbahan sawang sasabihin sapatos samin "
        "saklolo pupunta puntahan pinirmahan pinasakay pinagtatrabaho payag pamasahe palitan "
        "pagkatapos pabigat paa nilang ngayong natunton nanay nanalo nakatulong nakakulong "
        "nakakamatay nakaabang nahuli nagtatrabaho nagbabayad nagbabasa musta mura mkalabas "
        "minuto milyon matutulugan matutulog mangyayari makitulog makita makipag makina "
        "makikita makawala makatakas makapunta makakatulong mahuhuli magsumbong magsalita "
        "magpapakamatay magluto magbabayad mabuti lumapit lumalaki lowbat listahan lason "
        "lalaking lagnat laban kwentuhan kumakatok kumakain kumain korek kinukuha kinakaltas "
        "kelangan kapatid kamusta kama kagabi kada jowa isusumbong isa ininom ingat ilaw ilan "
        "ilabas ibibigay ibang ibalik hinihila hinde hayaan hapon grupo gobyerno ganun ganito "
        "gamitin gaano duguan dugo dinadala daming dahilan burahin buong bumili buksan braso "
        "binugbog binibigay binabantayan bilang baril balik bagyo babae ayos aso asawa aral "
        "andiyan alis agad"
    ),
    "vi": _words(
        "",
        "gia cam bay dao vui quan nhanh ngon moi cao xem tinh phim nguy mat lao canh xong tru "
        "tim thu tai quay ktx gap doi chuyen bung uong thay quen nghe nao loi kieu hop gioi "
        "ghi chay vien vang toan tam rau phap ntn nho mang lau khuya hiem chuc cach benh",
    ),
    "id": _words(
        "visaku mukulin temenku keluargaku ngikutin mesin manusia tanda selamanya pesan pamit "
        "nyakitin ngancam lagu komputer dipukulin dingin dibunuh dateng dadah berangkat bawah "
        "baru bahaya badan asli akhiri turun tolongin tiket tamu suka siap sewa sebulan "
        "pindah permisi pegang peduli paksa pakai pacar nyayat nyari nanya naik mending masih "
        "masalah mandi lucu loncat lewat lampu ketemu keluarga juta jumpa jembatan jaminan "
        "gitu gede dipulangin dideportasi dibawa darah dah capek berobat baik atas atap "
        "aplikasi terdekat terakhir tebak tali talangan sendirian semuanya semalem selamatkan "
        "sekali sampah resep rahasia potongan pistol pingsan pgn perpanjang perempuan "
        "penampungan panas paling paket padahal nyariin nulis nonton ngomong ngizinin ngerti "
        "ngejar ngapain ngapa ngadu nelen nama musim mengakhiri matiin masjid masak makanan "
        "mahal maaf lompat laut lari ku konsulat kjri kesehatan kepala kemarin kecelakaan "
        "kebanyakan kayanya kasur kali kaki kakak jalan jadwal istirahat inggris infonya "
        "hidupku gunanya gudang gempa ganggu enak ditendang disimpen diperkosa dimasukin "
        "diculik dicekik dana dalam cukup cepat cariin bgt betul bernapas berdarah bales "
        "asing abk"
    ),
    "ne": _words(
        "milcha kaam garnus chahiyo manche dhanyabad thau sanga kura garcha bhancha basne kun "
        "hoina marna dinna yaha talab ramro paincha namaste kahile kasle jane garidinus dhoka "
        "bahira aba aaja kotha koi kinne khana dekhi ujuri pardaina naya naam bhaye bhane "
        "sikau sas najik nai jasto ghanta garchu bhanda basna barsa baje thik rati ragat "
        "pathaidinus paidaina pachi mahina japani jaanchu herne gaadi dukhyo chito chakku "
        "chahincha bolaidinus bholi bhagna banduk ahile aaudai suru samma sakchu paxi pathau "
        "pasal paryo nikalyo namaskar matra lakh lagdaina khaye khabar kasai kanun jancha "
        "halne ghati geet gaye gardai garchau ferna farak diyena chodna bolne bina bida bhai "
        "bhada behos banauna bachnu bachha bachau bhanera sabai niklinu kasaile dincha "
        "chodera byaj bela aushadhi tyo surakshit sadhai roj rakheko milne marchu malik "
        "mahila kei katcha haat gara ekle ek artha antim aaunus yeti thichyo tekayo tayar "
        "tarika sutna sriman sodhne sodhna sikne siddhyauchu sath sasto samatyo samatcha sahi "
        "pratishat prahari phoddai pet paye paune pathayo pathaunus pathaidincha pariwar "
        "pachhyaudai nikalidinus nasakera nabhannu nabhani myad masala manav maile lukera "
        "liyeko lekheko lekhe lekhchu lage lagaucha kutiraheko kinna khulcha khatra kate "
        "kasto karja karan kammar kagaj jwaro jodidinus jiwan jankari jada hercha haru "
        "hamilai gopya goli gare garaucha gali firta ferdaina farkina falne ekdam dui dori "
        "diyeko dinchu dhito dhakdhakyaudai deko dekhcha dekhayo dashain chode chiya chinjan "
        "chalaune chakki chahidaina chahanchu bolna bitaune bhetna bhetaula bhayera bhasa "
        "bharosa bhana bhagnu bhagne bhagda bechbikhan banaune baki bagiraheko badi bachna "
        "bachaunus bachaideu arth arko adhikar aatmahatya aankha aama aafai hau chaiyo chaincha"
    ),
}
# Words no other language here writes, and that each person of that language types: one
# of them outweighs a message's English nouns.
_DECISIVE: Final[dict[str, dict[str, int]]] = {
    "tl": dict.fromkeys("po opo ng mga ba".split(), 3),
    "id": dict.fromkeys("saya aku tidak gak nggak".split(), 3),
    "vi": dict.fromkeys("không khong tôi được duoc".split(), 3),
    "ne": dict.fromkeys("malai mero chha".split(), 3),
}
MARKERS: Final[dict[str, dict[str, int]]] = {
    code: _FROM_TRAINING.get(code, {}) | words | _DECISIVE.get(code, {})
    for code, words in _CHOSEN.items()
}
# Romanised Nepali verb endings (hunuhuncha, dincha, herchha, bolaucha, lekheko, didina) and
# the "do it for me" request (bolaidinu, pathaidinus, garidinuhos): no Spanish, Tagalog or
# Indonesian word of five letters or more ends so.
NEPALI_ENDING: Final = re.compile(r"\w{2,}(?:ncha|chha|aucha|daina|dina|dinus?|dinuhos|eko)")

# Two-word markers ("no se" is Spanish even without the accent; "ho chieu" Vietnamese).
BIGRAMS: Final[dict[str, tuple[str, int]]] = {
    "no se": ("es", 2),
    "no sé": ("es", 2),
    "por favor": ("es", 2),
    "terima kasih": ("id", 2),
    "tidak ada": ("id", 2),
    **dict.fromkeys(
        (
            "ho chieu",
            "cam on",
            "cong ty",
            "nhat ban",
            "xin chao",
            "giup toi",
            "khong co",
            "canh sat",
            "thuc tap",
            "tu nghiep",
            "viet nam",
            "lam viec",
            "dai su",
            "su quan",
            "nghiep doan",
        ),
        ("vi", 2),
    ),
}
