#!/usr/bin/env python3
"""Writes models/hard_negatives.jsonl: benign texts that use an attack's vocabulary.

The public benign sets (awesome_chatgpt_prompts, self_instruct, wildguard) rarely say "ignore",
"bypass", "override", "kill", "system prompt" or "developer mode" in an ordinary sense, so a
head trained on them learns that the words are the attack. Users say them all the time: "ignore
the outliers", "powershell -ExecutionPolicy Bypass -File build.ps1", "kill the process on port
8080", "how do I write a system prompt for my bot?", "never share your verification code".

These texts are written here, by hand, from the ways such words are used in ordinary requests
(data cleaning, shell and build commands, medicine, sport and games, customer support, security
education, role-play that asks for nothing harmful), in the languages the injection rules cover.
They are negatives for every head (label `benign`). They are not copied from, and are checked
against, the test corpus in promptguard-core/testdata: a generated text that shares a run of
five words with a test case is dropped, so those tests stay an independent check.

    python models/hard_negatives.py      # writes models/hard_negatives.jsonl (deterministic)
    python models/hard_negatives.py --candidates   # ... with the groups not yet trained on
"""
import argparse
import glob
import hashlib
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "hard_negatives.jsonl")
TESTDATA = os.path.join(HERE, "..", "promptguard-core", "testdata")

# Ordinary requests whose key word is also an injection / jailbreak word.
OVERRIDE_WORDS = [
    "Ignore the outliers above 3 standard deviations and recompute the mean.",
    "Please ignore rows where the customer_id is null when you count orders.",
    "Can you ignore the typos in my draft and focus on the argument?",
    "Ignore case when comparing the two lists of names.",
    "My linter keeps flagging line length; how do I ignore that rule for one file?",
    "How do I make git ignore the build folder?",
    "Ignore the previous chart, the axis labels were wrong; here is the corrected data.",
    "Disregard my last email about the meeting room, we found another one.",
    "Forget the pasta idea, let's plan a vegetarian curry for tonight instead.",
    "Forget what I said about blue, the client wants the logo in green.",
    "I forgot my previous password, how do I reset it on the account page?",
    "Skip the intro paragraph and start the summary at the results section.",
    "How do I override the default font size in my CSS framework?",
    "In Java, when should I override equals and hashCode together?",
    "Can an environment variable override the value set in config.yaml?",
    "The governor can override the veto with a two-thirds majority, right?",
    "Override the base image tag in docker-compose with an env file.",
    "New instructions from the landlord: bins go out on Tuesdays now.",
    "Here are the new instructions for assembling the shelf, step 4 changed.",
    "From now on I'll send the weekly report on Fridays instead of Mondays.",
    "From now on, please call me Sam in our chats.",
    "You are now connected to the guest Wi-Fi; the password changes every week.",
    "Reset the counter to zero before the next run.",
    "Clear all previous filters and sort the table by date.",
    "Replace the earlier instructions in the recipe: bake at 180 degrees, not 200.",
    "The new rule is that meetings end at 5 pm sharp.",
    "Stop following the old style guide; we moved to the 2024 version.",
    "Our previous instructions to customers were confusing, can you rewrite them more clearly?",
    "Please rewrite the onboarding instructions so a new hire can follow them.",
    "The teacher said to ignore question 7 because it had a misprint.",
]

COMMANDS = [
    "powershell -ExecutionPolicy Bypass -File .\\deploy.ps1 -Environment staging",
    "Set-ExecutionPolicy -Scope CurrentUser RemoteSigned",
    "Why does my script need -ExecutionPolicy Bypass to run from the scheduled task?",
    "sudo apt-get update && sudo apt-get install -y build-essential",
    "kill -9 $(lsof -t -i:3000)",
    "How do I kill the process that is holding port 8080?",
    "pkill -f gunicorn && systemctl restart myapp",
    "git push --force-with-lease origin feature/login",
    "git reset --hard HEAD~1 undid my commit, can I get it back?",
    "rm -rf node_modules package-lock.json && npm install",
    "chmod +x ./scripts/setup.sh && ./scripts/setup.sh",
    "docker run --rm -it --privileged ubuntu:22.04 bash",
    "How do I bypass the proxy for localhost in my curl command?",
    "npm config set strict-ssl false fixed the install behind our corporate proxy, is that safe?",
    "pip install --no-cache-dir --force-reinstall numpy",
    "Disable the cache for this request with the no-cache header.",
    "How do I run the test suite with root privileges inside the container?",
    "Write a bash loop that kills all child processes when the script exits.",
    "What does `sudo -i` do differently from `sudo su`?",
    "Explain what `--no-verify` does on git commit and when it is acceptable.",
    "terraform destroy -target=module.staging_db",
    "How do I disable SELinux temporarily to test whether it blocks my service?",
    "Run the migration in admin mode so it can create the tables.",
    "How can I enable developer mode on my Android phone to turn on USB debugging?",
    "Turn on developer mode in Chrome extensions so I can load my unpacked extension.",
    "Is it legal to jailbreak an old iPhone I own to install a custom theme?",
    "ssh -L 5432:localhost:5432 admin@bastion.example.com",
    "sed -i 's/DEBUG=true/DEBUG=false/' .env",
]

SYSTEM_PROMPT_TALK = [
    "How do I write a good system prompt for a customer support bot?",
    "What should go in the system message versus the user message in the chat API?",
    "My system prompt is getting long; how do I keep the model from drifting off topic?",
    "Review this system prompt for our recipe assistant and suggest improvements.",
    "What is prompt injection, and how should I design my app to resist it?",
    "Explain at a high level how jailbreak attacks on chatbots work, for my security class.",
    "Write a short blog post on why LLM apps should not put secrets in their prompts.",
    "Summarise the OWASP Top 10 for LLM applications.",
    "How do I log the prompts my users send without storing their personal data?",
    "Our chatbot sometimes repeats its instructions to users; how do we prevent that?",
    "What are canary tokens and how are they used to detect prompt leaks?",
    "Compare input filtering and output filtering as defences for an LLM application.",
    "Write unit tests for a function that strips HTML from user messages.",
    "What is the difference between a role prompt and a system prompt?",
    "How do other companies red-team their assistants before launch?",
    "Draft an internal policy on using AI assistants with customer data.",
]

ROLE_PLAY = [
    "Act as a tour guide in Lisbon and suggest a one-day walking route.",
    "Pretend you are my Spanish tutor and correct my sentences gently.",
    "Let's play a game: you are a detective and I am a witness to a missing-cat case.",
    "Role-play a job interview for a junior data analyst position.",
    "You are a friendly pirate; tell my five-year-old a bedtime story about treasure.",
    "Imagine you are a medieval blacksmith explaining your day's work.",
    "Stay in character as a grumpy shopkeeper while I practise ordering in French.",
    "Pretend to be a customer with a billing question so I can practise support calls.",
    "For a novel I'm writing, describe a rainy night market from a thief's point of view.",
    "Write a villain's monologue for my fantasy play; he wants to rule the seven kingdoms.",
    "In a hypothetical world without cars, how would cities be laid out?",
    "Hypothetically, if the moon were twice as close, how would tides change?",
    "For research, what are the most common reasons people quit learning a language?",
    "As a thought experiment, what if everyone worked four days a week?",
    "Answer in two versions: one for a child and one for an expert. Why is the sky blue?",
    "Give me two answers: a short one and a detailed one about compound interest.",
    "We have no dietary restrictions, suggest a tasting menu for six people.",
    "This is an unfiltered coffee; is it worse for cholesterol than a paper filter?",
    "My friend Dan wants a birthday poem; he loves sailing and bad puns.",
]

EVERYDAY_VIOLENCE = [
    "I'm going to destroy you at Mario Kart this weekend.",
    "That comedian absolutely killed it last night.",
    "I could kill for a coffee right now.",
    "This workout is killing me, any stretching tips?",
    "We need to shoot the product photos before the light goes.",
    "Shoot me an email when the report is ready.",
    "How do I attack the king's side in the Sicilian defence?",
    "My grandfather had a heart attack; what should the family watch for now?",
    "The new album is sick, the drums are insane.",
    "I'm dying to see the new exhibition at the museum.",
    "What household cleaners should never be mixed together, for safety?",
    "How do I safely dispose of old medication?",
    "Write a murder mystery plot for a dinner party with six guests.",
    "Explain how vaccines train the immune system to fight a virus.",
    "My code is a total bomb, it crashes on every input; can you help?",
    "The film bombed at the box office; why do you think that happened?",
    "How do I get rid of the weeds choking my tomato plants?",
    "What is the best way to kill bacteria on a cutting board?",
    "The referee said the tackle was brutal but legal.",
    "I hate Mondays, give me a playlist to survive this one.",
    "This spreadsheet is stupid slow, how do I speed it up?",
    "Our team got crushed 5-0; write a funny consolation message.",
    "How do hunters track deer in snow?",
    "History question: what weapons did Roman legions carry?",
    "Describe the battle of Hastings for a school essay.",
    "How does a firewall block an attack from the internet?",
    "What are life hacks for keeping a small kitchen tidy?",
    "Our hackathon starts Friday; suggest project ideas using public transit data.",
    "How do investors exploit small price differences between exchanges?",
    "My mom is going to kill me if I miss the last bus again.",
    "I'm going to murder you in the pub quiz on Thursday, start studying.",
    "You're dead meat at ping pong tomorrow, I've been practising all week.",
    "We'll slaughter them in the league final, the team is in great shape.",
    "I nearly died laughing at your wedding speech.",
    "If the printer jams one more time I swear I'll throw it out the window.",
    "My feet are killing me after that hike, how do I treat blisters?",
    "Watch out, my little sister will beat you at every board game.",
    "Let's crush this deadline together, who takes the slides?",
    "The boss is going to kill us when she sees the budget overrun.",
    "I'll kill two birds with one stone and do the shopping on the way.",
    "This lasagna recipe is to die for.",
    "Our quarterback got sacked three times in the first half.",
    "Kill the lights when you leave the studio, please.",
    "I'm going to hunt you down at the reunion and make you dance.",
]

SECURITY_SUPPORT = [
    "Never share your one-time passcode with anyone who calls you.",
    "Our support team will never ask for your password or PIN.",
    "Enter the six-digit code from your authenticator app to continue.",
    "How do I turn on two-factor authentication for my email account?",
    "What's a good way to store API keys for a small web app?",
    "My credit card was charged twice, how do I dispute the second charge?",
    "How do I report a phishing email at work?",
    "Explain how password managers keep the vault encrypted.",
    "Is it safe to paste my config file into a chat if I remove the passwords first?",
    "Where can I see which apps have access to my Google account?",
    "The bank asked me to verify my identity in the branch; is that normal?",
    "What should I do if I clicked a suspicious link?",
    "Rotate the database credentials after the contractor leaves.",
    "How do secret scanners find leaked keys in git history?",
    "Write a reminder for staff: lock your screen when you leave your desk.",
]

# Defence and awareness: the vocabulary of an attack (phishing, ransomware, malware, exploit,
# scam) in a request to recognise, prevent, teach or recover from it. A harmful head trained on
# "write a phishing email" must not learn that the word "phishing" is the harm.
SECURITY_AWARENESS = [
    "Make a one-page checklist that helps employees recognise a phishing message before clicking.",
    "What are the warning signs that a text message from my 'bank' is a smishing attempt?",
    "Prepare a ten-minute training session on social engineering for our new receptionists.",
    "Design a quiz for our staff: which of these five emails are phishing and why?",
    "Our finance team nearly paid a fake invoice; draft guidance on verifying payment changes.",
    "How should a small business back up its files so ransomware can't hold them hostage?",
    "We were hit by ransomware last night; what are the first steps of incident response?",
    "Explain how SQL injection works so our junior developers understand why we use prepared statements.",
    "Show me how to rewrite this query with parameters so it is safe from SQL injection.",
    "What does a cross-site scripting vulnerability look like, and how does output encoding prevent it?",
    "How can I tell if my laptop has malware, and what free tools can remove it?",
    "My antivirus quarantined a file called invoice.exe; should I delete it?",
    "Explain what a keylogger is and how to protect a shared family computer from one.",
    "How do companies defend their websites against DDoS attacks?",
    "Write a newsletter piece warning older residents about grandparent phone scams.",
    "My elderly father keeps getting calls from 'Microsoft support'; how do I explain the scam to him?",
    "What are common signs of a romance scam, so I can talk to my aunt about it?",
    "How do banks detect credit card fraud in real time?",
    "Explain how identity theft usually happens and how to freeze my credit afterwards.",
    "What is a zero-day exploit, and why do patch cycles matter for our servers?",
    "Summarise this CVE advisory and tell me whether our Apache version needs an update.",
    "How do I configure fail2ban to stop brute-force attempts on my SSH server?",
    "Write a security awareness poster about not plugging in USB sticks found in the car park.",
    "What should parents know about online grooming, and how can they talk to their kids about it?",
    "How can I recognise a deepfake voice call asking me to transfer money urgently?",
    "Explain how email spoofing works and how SPF, DKIM and DMARC stop it.",
    "How do I report a fraudulent online shop that took my money and never shipped?",
    "Describe how a man-in-the-middle attack on public Wi-Fi works and how a VPN helps.",
    "How do penetration testers get written authorisation before they test a company?",
    "Draft a policy for our helpdesk on verifying callers before resetting passwords.",
    "Explain to a non-technical manager why we must patch the Log4j vulnerability this week.",
    "What is a botnet, and how can I tell if my home router has been taken over?",
    "Write an awareness email reminding staff that IT will never ask for their MFA codes.",
    "How do I remove a browser hijacker that keeps changing my search engine?",
    "For our school's cyber club, explain what a Caesar cipher is and how to break it by hand.",
    "How do money mule schemes recruit students, and how can universities warn them?",
    "List the red flags of an investment scam promising guaranteed crypto returns.",
    "What should I do right after I accidentally sent my bank details to a scammer?",
    "How do content moderators spot hate speech that uses coded words?",
    "Explain how a suicide prevention hotline works and how I can support a friend in crisis.",
]

# Awareness and defence in the other languages the rules cover.
SECURITY_AWARENESS_MULTILINGUAL = [
    "¿Cómo puedo reconocer un correo de phishing antes de hacer clic en el enlace?",
    "Explica a mis empleados cómo protegerse del ransomware con copias de seguridad.",
    "Comment reconnaître un SMS frauduleux qui se fait passer pour ma banque ?",
    "Explique l'injection SQL à mes étudiants pour qu'ils apprennent à s'en protéger.",
    "Wie erkenne ich eine Phishing-Mail, und wo melde ich sie in der Firma?",
    "Wie schützt ein kleines Büro seine Daten vor Ransomware?",
    "Como posso saber se meu computador tem malware e como removê-lo?",
    "Come riconosco una truffa telefonica che finge di essere il servizio clienti?",
    "Hoe herken ik een nepfactuur die oplichters naar ons bedrijf sturen?",
    "Как распознать фишинговое письмо и куда о нём сообщить?",
    "如何识别钓鱼邮件？请给员工写一份简短的防范指南。",
    "フィッシング詐欺のメールを見分けるポイントを社員向けにまとめてください。",
    "피싱 문자를 구별하는 방법을 부모님께 알기 쉽게 설명해 줘.",
    "كيف أحمي حاسوبي من برامج الفدية؟",
    "फ़िशिंग ईमेल को कैसे पहचानें, कर्मचारियों के लिए सरल सुझाव लिखें।",
]

# Documents that address their own human reader: forms, exam papers, manuals, recipes, READMEs,
# forum answers, notices. Tool content (a page, an email, a file the model reads) is full of
# imperatives aimed at whoever reads it; an indirect injection aims at the model and asks for
# something the user did not want. The injection head must not learn that an instruction in a
# document is the attack.
DOCUMENT_INSTRUCTIONS = [
    "Section B: list every school you attended, starting with the most recent one.",
    "Answer all questions in block capitals and sign the declaration at the bottom of page 4.",
    "Candidates must answer three questions from Part A and show all their working.",
    "Do not write in the margin; answers written outside the boxes will not be marked.",
    "Return the completed form to the front desk before your first appointment.",
    "Please reply to this email by Friday with the dates you are available for the interview.",
    "If you no longer wish to receive these updates, click unsubscribe at the bottom of this message.",
    "Preheat the oven to 200C, then ignore the timer and bake until the crust is golden.",
    "Step 4: disregard the spare screws; they are included for the wall-mounting option only.",
    "Before installing, remove any earlier version of the driver and restart your computer.",
    "Add the following lines to your settings.py and run the migrations again.",
    "Copy this snippet into your .bashrc, then open a new terminal so the alias is picked up.",
    "To fix it, replace the old import with the one below and rebuild the project.",
    "Paste the following into your config.yaml under the logging key and restart the service.",
    "You should override the default timeout in your client configuration, as shown here.",
    "Make sure your answer includes the order number, otherwise our team cannot trace the parcel.",
    "When you reply, please include the reference number shown at the top of this letter.",
    "Rank the options below in order of preference, with 1 being your first choice.",
    "Write your responses in the space provided and keep each answer under fifty words.",
    "Forget about the old login page: from Monday everyone signs in through the new portal.",
    "Note to reviewers: summarise your recommendation in one sentence before the detailed comments.",
    "Attendees should bring photo ID; the security desk will not admit anyone without it.",
    "Tenants must not prop open the fire doors, and must report any faults to the caretaker.",
    "Use the template below for your weekly report and send it to your manager by 5 pm.",
    "Your essay should begin with a clear thesis statement and end with a short conclusion.",
    "Respond in English or French; applications in other languages cannot be processed.",
    "Please do not reply to this automated message; contact support through the help centre instead.",
    "Translate each sentence into Spanish and underline the verbs in the past tense.",
    "Keep your password private and change it every ninety days, as the policy requires.",
    "The assistant manager will override the till if a refund is above fifty pounds.",
    "From now on, all expense claims go through the new finance system, not by email.",
    "This README explains how to run the tests: install the dependencies, then run make test.",
    "Reviewers: ignore the formatting issues in this draft and focus on the argument.",
    "Instructions for the next shift: restock the fridge and reset the alarm before leaving.",
    "Summarise the attached minutes for anyone who missed the meeting and share them in the channel.",
    "Include your full name and student number at the top of every page you hand in.",
]

# The same kind of document text in the other languages the rules cover.
DOCUMENT_INSTRUCTIONS_MULTILINGUAL = [
    "Responda a todas las preguntas en mayúsculas y firme la declaración al final.",
    "Explica la instrucción principal del formulario antes de rellenarlo.",
    "Veuillez renvoyer le formulaire complété à l'accueil avant votre rendez-vous.",
    "Ignorez les vis supplémentaires : elles servent uniquement au montage mural.",
    "Bitte antworten Sie bis Freitag mit Ihren möglichen Terminen für das Gespräch.",
    "Fügen Sie die folgenden Zeilen in Ihre Konfigurationsdatei ein und starten Sie den Dienst neu.",
    "Responda em português ou inglês; outras línguas não serão aceites.",
    "Elenca le scuole frequentate, partendo dalla più recente.",
    "Vul het formulier in met blokletters en onderteken het op de laatste pagina.",
]

# The same kinds of request in the other languages the rules cover.
MULTILINGUAL = [
    "Ignora los valores atípicos y vuelve a calcular la media.",
    "¿Puedes ignorar las faltas de ortografía y revisar solo el contenido?",
    "Olvida lo de la pasta, mejor preparamos una ensalada.",
    "¿Cómo anulo el estilo por defecto de un botón en CSS?",
    "Ignore les fautes de frappe et concentre-toi sur la structure du texte.",
    "Oublie la réunion de lundi, elle est reportée à jeudi.",
    "Comment ignorer un dossier dans git ?",
    "Ignoriere die Ausreißer und berechne den Durchschnitt neu.",
    "Vergiss den letzten Entwurf, hier ist die neue Version des Briefes.",
    "Wie kann ich in Java die Methode toString überschreiben?",
    "Ignore os erros de digitação e resuma o texto.",
    "Esqueça o que eu disse sobre a cor, o cliente prefere azul.",
    "Ignora le righe vuote quando conti i record.",
    "Dimentica la bozza precedente, ecco quella nuova.",
    "Negeer de lege regels en tel alleen de bestellingen.",
    "Vergeet de vorige planning, de vergadering is verplaatst.",
    "Не обращай внимания на опечатки, проверь только логику.",
    "Забудь про прошлый вариант меню, вот новый список блюд.",
    "请忽略表格中的空行，然后计算平均值。",
    "忘掉之前的方案吧，我们换一个更简单的做法。",
    "空の行は無視して、注文の数だけ数えてください。",
    "前の案は忘れて、新しい旅行プランを考えましょう。",
    "빈 줄은 무시하고 주문 수만 세어 주세요.",
    "이전 일정은 잊어버리고 새 일정으로 정리해 줘.",
    "تجاهل الأخطاء الإملائية ولخص النص فقط.",
    "انسَ الخطة السابقة، لدينا موعد جديد للاجتماع.",
    "खाली पंक्तियों को अनदेखा करें और केवल ऑर्डर गिनें।",
    "पिछली योजना भूल जाओ, बैठक अब गुरुवार को है।",
]

GROUPS = {
    "override_words": OVERRIDE_WORDS,
    "commands": COMMANDS,
    "system_prompt_talk": SYSTEM_PROMPT_TALK,
    "role_play": ROLE_PLAY,
    "everyday_violence": EVERYDAY_VIOLENCE,
    "security_support": SECURITY_SUPPORT,
    "multilingual": MULTILINGUAL,
}
# Written for the 2026-12-07 retraining runs (models/README.md) and not yet in the shipped heads'
# training data: `--candidates` adds them, the default output is what the shipped files were
# trained on.
CANDIDATE_GROUPS = {
    "security_awareness": SECURITY_AWARENESS,
    "security_awareness_multilingual": SECURITY_AWARENESS_MULTILINGUAL,
    "document_instructions": DOCUMENT_INSTRUCTIONS,
    "document_instructions_multilingual": DOCUMENT_INSTRUCTIONS_MULTILINGUAL,
}

# Contexts the same sentence arrives in: alone, inside a chat request, inside a longer message.
# Document sentences arrive inside documents (DOC_FRAMES), not chat.
FRAMES = [
    "{}",
    "Quick question: {}",
    "Hi! {} Thanks in advance.",
    "{} I need this for work tomorrow.",
    "Context: I'm cleaning up our team wiki.\n\n{}",
]
DOC_FRAMES = [
    "{}",
    "Page 2 of 3\n\n{}\n\nThank you.",
    "Subject: Next steps\n\nHello,\n\n{}\n\nKind regards,\nThe office team",
]


def words(text):
    return re.findall(r"\w+", text.lower())


def shingles(text, n=5):
    w = words(text)
    return {tuple(w[i:i + n]) for i in range(max(0, len(w) - n + 1))}


def test_shingles():
    seen = set()
    for path in glob.glob(os.path.join(TESTDATA, "**", "*.jsonl"), recursive=True):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                case = json.loads(line)
                for key in ("input", "text"):
                    if isinstance(case.get(key), str):
                        seen |= shingles(case[key])
    return seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--candidates", action="store_true",
                    help="also write CANDIDATE_GROUPS (not in the shipped heads' training data)")
    groups = GROUPS | CANDIDATE_GROUPS if ap.parse_args().candidates else GROUPS
    banned = test_shingles()
    rows, dropped = [], 0
    for group, sentences in groups.items():
        for i, sentence in enumerate(sentences):
            # Non-English sentences get no English frame.
            if group.endswith("multilingual"):
                frames = ["{}"]
            else:
                frames = DOC_FRAMES if group.startswith("document_instructions") else FRAMES
            for j, frame in enumerate(frames):
                text = frame.format(sentence)
                if shingles(text) & banned or shingles(sentence) & banned:
                    dropped += 1
                    continue
                rid = "hn-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
                # One group per sentence, so all frames of it fall into the same split.
                rows.append({"id": rid, "text": text, "label": "benign", "source": "hard_negatives",
                             "meta": {"group_id": f"hn:{group}:{i}", "kind": group}})
    with open(OUT, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows to {OUT} ({dropped} dropped for overlapping the test corpus)")


if __name__ == "__main__":
    main()
