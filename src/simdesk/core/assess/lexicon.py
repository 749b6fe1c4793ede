"""The built-in vocabulary of diagnosis matching: spellings, abbreviations, synonyms, word classes.

Every table here feeds :mod:`simdesk.core.assess.diagnosis`. Entries are written in ordinary
clinical English (British or American); the matcher normalises both sides of every entry the same
way it normalises what a learner types.
"""

from __future__ import annotations

# British -> American spelling: regular expressions applied inside each word, in this order.
SPELLINGS: tuple[tuple[str, str], ...] = (
    (r"(?<!r)oesophag", "esophag"),  # not the "o" of gastro-esophageal
    ("oedema", "edema"),
    ("oestr", "estr"),
    ("aemia", "emia"),
    ("aemic", "emic"),
    ("haem", "hem"),
    ("paed", "ped"),
    ("gynaec", "gynec"),
    ("anaes", "anes"),
    ("ischaem", "ischem"),
    ("coeliac", "celiac"),
    ("foet", "fet"),
    ("faec", "fec"),
    ("amoeb", "ameb"),
    ("rrhoe", "rrhe"),  # diarrhoea, seborrhoeic
    ("noea", "nea"),
    ("leuc", "leuk"),
    ("tumour", "tumor"),
    ("sulph", "sulf"),
    ("caesar", "cesar"),
    ("caec", "cec"),
    ("aetiol", "etiol"),
    ("isation", "ization"),
)
# Word endings: British -ise/-ised -> -ize/-ized (paralysed, localised).
ENDINGS: tuple[tuple[str, str], ...] = (("ised", "ized"), ("yse", "yze"), ("ysed", "yzed"))

# Prefixes written apart or hyphenated that belong to the next word (post-partum, pre eclampsia).
JOINED_PREFIXES = frozenset("post ante pre gastro intra extra sub supra peri retro trans".split())

# Plural-looking words that are singular.
KEEP_FINAL_S = frozenset(
    """diabetes herpes rabies scabies measles mumps rickets shingles ascites caries varices
    series species feces""".split()
)

# Words that change nothing about which disease is named.
STOP_WORDS = frozenset(
    "of the a an in on at to with due from by for and or secondary associated sided side".split()
)
HEDGES = frozenset(
    """probable probably possible possibly suspected suspect likely presumed presumptive query
    provisional impression dx ddx diagnosis differential rule out working""".split()
)
SUFFIX_WORDS = frozenset("disease syndrome disorder infection condition illness".split())
# Words after which a single letter is a name, not an article (hepatitis A, vitamin A).
LETTER_NAMERS = frozenset("hepatitis type group vitamin class grade factor influenza".split())
# Words after which roman numerals and number words are numbers (type II, grade three).
NUMBER_NAMERS = frozenset("type grade stage class degree phase".split())
ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}
NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}

# Word-level synonyms (after singular forms): adjectives of organs -> the organ, and the like.
WORD_SYNONYMS = {
    "renal": "kidney",
    "nephric": "kidney",
    "hepatic": "liver",
    "pulmonary": "lung",
    "cardiac": "heart",
    "gastric": "stomach",
    "cerebral": "brain",
    "duodenal": "duodenum",
    "esophageal": "esophagus",
    "colonic": "colon",
    "rectal": "rectum",
    "uterine": "uterus",
    "ovarian": "ovary",
    "splenic": "spleen",
    "pancreatic": "pancreas",
    "intestinal": "bowel",
    "intestine": "bowel",
    "venous": "vein",
    "arterial": "artery",
    "carcinoma": "cancer",
    "malignancy": "cancer",
    "tubercular": "tuberculosis",
    "tuberculous": "tuberculosis",
    "diabetic": "diabetes",
    "haemorrhagic": "hemorrhage",
    "hemorrhagic": "hemorrhage",
    "bleed": "hemorrhage",
    "bleeding": "hemorrhage",
}

# Abbreviations and multi-word synonyms -> one or more expansions (several when ambiguous).
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "mi": ("myocardial infarction",),
    "ami": ("acute myocardial infarction",),
    "heart attack": ("myocardial infarction",),
    "stemi": ("st elevation myocardial infarction",),
    "nstemi": ("non st elevation myocardial infarction",),
    "acs": ("acute coronary syndrome",),
    "ua": ("unstable angina",),
    "cad": ("coronary artery disease",),
    "ihd": ("ischaemic heart disease",),
    "dka": ("diabetic ketoacidosis",),
    "hhs": ("hyperosmolar hyperglycaemic state",),
    "honk": ("hyperosmolar hyperglycaemic state",),
    "hyperosmolar nonketotic coma": ("hyperosmolar hyperglycaemic state",),
    "dm": ("diabetes mellitus",),
    "t1dm": ("type 1 diabetes mellitus",),
    "iddm": ("type 1 diabetes mellitus",),
    "t2dm": ("type 2 diabetes mellitus",),
    "niddm": ("type 2 diabetes mellitus",),
    "gdm": ("gestational diabetes mellitus",),
    "htn": ("hypertension",),
    "high blood pressure": ("hypertension",),
    "pe": ("pulmonary embolism", "pre-eclampsia"),
    "dvt": ("deep vein thrombosis",),
    "vte": ("venous thromboembolism",),
    "tb": ("tuberculosis",),
    "ptb": ("pulmonary tuberculosis",),
    "uti": ("urinary tract infection",),
    "cap": ("community acquired pneumonia",),
    "hap": ("hospital acquired pneumonia",),
    "lrti": ("lower respiratory tract infection",),
    "urti": ("upper respiratory tract infection",),
    "copd": ("chronic obstructive pulmonary disease",),
    "coad": ("chronic obstructive pulmonary disease",),
    "chf": ("congestive heart failure",),
    "ccf": ("congestive heart failure",),
    "hf": ("heart failure",),
    "lvf": ("left ventricular failure",),
    "af": ("atrial fibrillation",),
    "afib": ("atrial fibrillation",),
    "svt": ("supraventricular tachycardia",),
    "vt": ("ventricular tachycardia",),
    "vf": ("ventricular fibrillation",),
    "pph": ("postpartum haemorrhage",),
    "aph": ("antepartum haemorrhage",),
    "pid": ("pelvic inflammatory disease",),
    "pih": ("pregnancy induced hypertension",),
    "gestational hypertension": ("pregnancy induced hypertension",),
    "toxaemia of pregnancy": ("pre-eclampsia",),
    "sam": ("severe acute malnutrition",),
    "mam": ("moderate acute malnutrition",),
    "aki": ("acute kidney injury",),
    "arf": ("acute kidney injury",),
    "acute renal failure": ("acute kidney injury",),
    "ckd": ("chronic kidney disease",),
    "crf": ("chronic kidney disease",),
    "chronic renal failure": ("chronic kidney disease",),
    "ards": ("acute respiratory distress syndrome",),
    "sah": ("subarachnoid haemorrhage",),
    "sdh": ("subdural haematoma",),
    "edh": ("extradural haematoma",),
    "epidural haematoma": ("extradural haematoma",),
    "ich": ("intracerebral haemorrhage",),
    "cva": ("stroke",),
    "cerebrovascular accident": ("stroke",),
    "tia": ("transient ischaemic attack",),
    "gbs": ("guillain barre syndrome", "group b streptococcus"),
    "mg": ("myasthenia gravis",),
    "ms": ("multiple sclerosis", "mitral stenosis"),
    "pml": ("progressive multifocal leukoencephalopathy",),
    "sle": ("systemic lupus erythematosus",),
    "lupus": ("systemic lupus erythematosus",),
    "ra": ("rheumatoid arthritis",),
    "oa": ("osteoarthritis",),
    "ibd": ("inflammatory bowel disease",),
    "ibs": ("irritable bowel syndrome",),
    "uc": ("ulcerative colitis",),
    "hus": ("haemolytic uraemic syndrome",),
    "ttp": ("thrombotic thrombocytopenic purpura",),
    "itp": ("immune thrombocytopenia",),
    "idiopathic thrombocytopenic purpura": ("immune thrombocytopenia",),
    "immune thrombocytopenic purpura": ("immune thrombocytopenia",),
    "dic": ("disseminated intravascular coagulation",),
    "gerd": ("gastro-oesophageal reflux disease",),
    "gord": ("gastro-oesophageal reflux disease",),
    "pud": ("peptic ulcer disease",),
    "aaa": ("abdominal aortic aneurysm",),
    "bph": ("benign prostatic hyperplasia",),
    "hiv": ("human immunodeficiency virus",),
    "aids": ("acquired immunodeficiency syndrome",),
    "std": ("sexually transmitted infection",),
    "sti": ("sexually transmitted infection",),
    "ugib": ("upper gastrointestinal haemorrhage",),
    "gi": ("gastrointestinal",),
    "ugi": ("upper gastrointestinal",),
    "crao": ("central retinal artery occlusion",),
    "crvo": ("central retinal vein occlusion",),
    "sbp": ("spontaneous bacterial peritonitis",),
    "nec": ("necrotising enterocolitis",),
    "rds": ("respiratory distress syndrome",),
    "hie": ("hypoxic ischaemic encephalopathy",),
    "ttn": ("transient tachypnoea of the newborn",),
    "sids": ("sudden infant death syndrome",),
    "rhd": ("rheumatic heart disease",),
    "ie": ("infective endocarditis",),
    "pcp": ("pneumocystis pneumonia",),
    "pjp": ("pneumocystis pneumonia",),
    "ca": ("cancer",),
    "aml": ("acute myeloid leukaemia",),
    "cml": ("chronic myeloid leukaemia",),
    "cll": ("chronic lymphocytic leukaemia",),
    "dengue hemorrhagic fever": ("severe dengue",),
    "scd": ("sickle cell disease",),
    "sickle cell anaemia": ("sickle cell disease",),
    "ncc": ("neurocysticercosis",),
    "ptx": ("pneumothorax",),
    "collapsed lung": ("pneumothorax",),
    "p falciparum": ("falciparum",),
    "plasmodium falciparum": ("falciparum",),
    "p vivax": ("vivax",),
    "plasmodium vivax": ("vivax",),
    "ectopic": ("ectopic pregnancy",),
    "eclamptic fit": ("eclampsia",),
}

# Tokens that name a polarity: present on one side only, they make two diagnoses different.
POLARITY = frozenset("non no not without negative absent".split())

# Diseases whose acute and chronic forms are different: there ``acute`` must agree.
ACUITY_SENSITIVE = frozenset(
    """leukemia lymphoblastic myeloid kidney liver hepatitis pancreatitis bronchitis heart
    respiratory lung otitis sinusitis osteomyelitis glaucoma cholecystitis diarrhea pain
    subdural hemorrhage hematoma gastritis prostatitis""".split()
)
ACUITY = frozenset("acute subacute chronic hyperacute".split())

# Pairs of word pieces that look alike and mean different things: never treated as a typo.
CONFUSABLE_PIECES: tuple[tuple[str, str], ...] = (
    ("hyper", "hypo"),
    ("itis", "osis"),
    ("itis", "oma"),
    ("osis", "oma"),
    ("emia", "uria"),
    ("tachy", "brady"),
    ("ileum", "ilium"),
    ("ileu", "ileum"),
    ("rotic", "ritic"),
    ("arter", "ven"),
    ("ante", "post"),
    ("pre", "post"),
    ("inter", "intra"),
    ("uni", "bi"),
    ("peri", "endo"),
    ("peri", "myo"),
    ("endo", "myo"),
    ("thyroid", "parathyroid"),
    ("perineal", "peroneal"),
    ("mega", "micro"),
    ("cyto", "mega"),
    ("gluc", "glyc"),
)
