"""Word lists for names: capitalised words that are not names, eponyms and
organisation words. Capitalised forms; compared case-sensitively."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Sentence openers, pronouns and other function words, so that the first
# word of a sentence is not read as a first name.
_FUNCTION = _words(
    """I I'm I've I'd He She They We You It His Her Their Our My Your Its Him Them Us Me Mine
    The A An This That These Those Who Whom Whose What When Where Why How Which Whoever
    And But Or Nor So Then Also Yet Still Just Only Even Ever Never Always Often Usually Sometimes
    Yesterday Today Tomorrow Tonight Now Later Soon Earlier Recently Again Already Eventually Finally
    After Before During Since Until While If As At In On Of For With Without From To By Per Re Via
    About Above Below Under Over Into Onto Upon Within Between Among Against Around Through Across
    Hi Hello Hey Thanks Thank Dear Please Yes No Not None Nothing Something Anything Everything
    Overnight Last Next First Second Third Both All Each Every Some Any Most Many Much More Less Few
    Other Another One Two Three Four Five Six Seven Eight Nine Ten Several Same Such Own Only
    Here There Is Are Was Were Be Been Has Have Had Do Does Did Will Would Can Could Should Must May
    Might Shall Let Lets Like Unlike Well Okay OK Ok Sure Sorry Great Good Bad New Old Big Small
    Update Note Edit PS Background History Plan Assessment Summary Question Answer Case Example
    Apparently Unfortunately Fortunately Luckily Sadly Interestingly Honestly Basically Anyway However
    Meanwhile Otherwise Therefore Thus Hence Although Though Because Whether Once Twice Maybe Perhaps
    Currently Presently Initially Subsequently Afterwards Later Then Instead Also Plus Just Really"""
)
_CALENDAR = _words(
    """Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun
    January February March April May June July August September October November December
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Christmas Easter Thanksgiving Ramadan Diwali"""
)
# Titles and roles: a word after "patient" or "bed 4:" that is a role.
_ROLES = _words(
    """Mr Mrs Ms Miss Mx Mstr Dr Doctor Prof Professor Nurse Sister Matron Father Mother Saint St Rev
    Reverend Sir Dame Lord Lady Captain Capt Sgt Sergeant Officer Judge Rabbi Imam Pastor Bishop
    Consultant Registrar Resident Intern Fellow Attending Physician Surgeon Pharmacist Therapist
    Patient Patients Pt Client Family Daughter Son Wife Husband Baby Grandma Grandpa Granny Nan Mum Mom
    Dad Aunt Uncle Man Woman Boy Girl Gentleman"""
)
ORGANISATION_WORDS = _words(
    """Hospital Hospitals Clinic Clinics Health Healthcare Medical Medicine Care Center Centre Institute
    University College School Trust Foundation Group Society Association Board Department Unit Ward
    Service Services Team Council Committee Agency Authority Network System Systems Inc Ltd LLC Corp
    Company Partners Practice Surgery Pharmacy Laboratory Labs Academy Federation Ministry Office"""
)
# Capitalised nouns that follow "Patient" in names of things: "Patient
# Safety Week", "the Patient Protection and Affordable Care Act".
_THINGS = _words(
    """Safety Protection Experience Experiences Portal Advocate Advocates Advocacy Education Rights
    Relations Access Engagement Satisfaction Outcomes Outcome Information Privacy Record Records
    Zero Day Week Month Year Voice Support Navigator Navigation Transport Flow Registration Financial
    Accounts Questionnaire Reported Centered Centred Act Law Rule Bill Policy Guideline Guidelines
    Program Programme Project Study Trial Survey Scale Score Index Form List Handbook Guide Charter
    Journey Story Stories Panel Forum Day Priorities Leaders Leadership Perspectives Preference
    Assessment Assistance Identification Identifier Identity Name Number Portal Room Bed Bay"""
)
STOPWORDS = _FUNCTION | _CALENDAR | _ROLES | ORGANISATION_WORDS | _THINGS

# Eponyms before "'s": "Alzheimer's caregivers", "Parkinson's family clinic".
EPONYMS = _words(
    """Alzheimer Alzheimers Parkinson Parkinsons Crohn Huntington Hodgkin Addison Cushing Graves Hashimoto
    Down Tourette Asperger Raynaud Sjögren Sjogren Wilson Gehrig Bell Kaposi Barrett Paget Wernicke
    Korsakoff Lyme Munchausen Guillain Barré Barre Meniere Ménière Marfan Turner Klinefelter Tay Sachs
    Gaucher Fabry Pompe Duchenne Hirschsprung Kawasaki Reye Still Whipple Buerger Behçet Bright Bell's
    Mother Father Children Women Men People Nurses Doctors Physicians Veterans Everyone Someone
    Somebody Nobody Today Tomorrow Yesterday"""
)
PARTICLES = _words("de del della der den di da das dos du la le van von bin ibn al el y")
